using System.Text;
using Google.Protobuf.Collections;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// The OpenTelemetry .NET SDK (ILogger, default options) sends the message template as the body —
/// <c>Payment {OrderId} failed</c> — with the values only in attributes, so a search for a value would find nothing.
/// The body is rendered as Seq renders a template (<see cref="MessageTemplate"/>): each <c>{Name}</c>,
/// <c>{Name:format}</c>, <c>{@Name}</c> or <c>{$Name}</c> hole takes the record attribute's value, a hole with no
/// attribute stays as written. A body is a template when it equals the record's <c>{OriginalFormat}</c> attribute, or,
/// without one, when at least one of its holes names a record attribute; a body the SDK already formatted
/// (<c>IncludeFormattedMessage</c>) differs from <c>{OriginalFormat}</c> and is kept as it is.
/// </summary>
public static class OtlpTemplate
{
    /// <summary>The rendered message, or null when <paramref name="body"/> is not a template to render.</summary>
    /// <param name="maxBytes">UTF-8 bytes the message may hold: rendering stops at that many characters, then the
    /// text is cut to that many bytes.</param>
    public static string? Rendered(string? body, string? originalFormat, RepeatedField<KeyValue> attributes, int maxBytes)
    {
        if (string.IsNullOrEmpty(body) || !body.Contains('{', StringComparison.Ordinal))
        {
            return null;
        }

        var values = new Dictionary<string, AnyValue>(StringComparer.Ordinal);
        foreach (var kv in attributes)
        {
            if (kv.Key != "{OriginalFormat}" && kv.Value is { } value)
            {
                values[kv.Key] = value;
            }
        }

        var isTemplate = originalFormat is not null
            ? string.Equals(body, originalFormat, StringComparison.Ordinal)
            : MessageTemplate.HoleNames(body).Any(name => Find(values, name) is not null);
        if (!isTemplate)
        {
            return null;
        }

        // Each value's text once, however often its hole repeats.
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var rendered = MessageTemplate.RenderWith(body, name =>
        {
            if (texts.TryGetValue(name, out var text))
            {
                return text;
            }

            if (Find(values, name) is not { } value)
            {
                return null;
            }

            text = value.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue : OtlpTranslator.Render(value);
            texts[name] = text;
            return text;
        }, Math.Max(0, maxBytes));
        return CutToBytes(rendered, maxBytes);
    }

    /// <summary>
    /// The attribute a hole names: .NET's logging keeps a hole's <c>@</c> or <c>$</c> in the attribute's key
    /// (<c>{@Customer}</c> → <c>@Customer</c>), Serilog drops it.
    /// </summary>
    private static AnyValue? Find(Dictionary<string, AnyValue> values, string name) =>
        values.TryGetValue(name, out var value) || values.TryGetValue("@" + name, out value) || values.TryGetValue("$" + name, out value) ? value : null;

    /// <summary>The longest prefix of <paramref name="text"/> whose UTF-8 holds at most <paramref name="maxBytes"/>, never splitting a surrogate pair.</summary>
    private static string CutToBytes(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var i = 0;
        for (; i < text.Length; i++)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 4 : text[i] < 0x80 ? 1 : text[i] < 0x800 ? 2 : 3;
            if (bytes + width > maxBytes)
            {
                break;
            }

            bytes += width;
            if (width == 4)
            {
                i++;
            }
        }

        return text[..i];
    }
}
