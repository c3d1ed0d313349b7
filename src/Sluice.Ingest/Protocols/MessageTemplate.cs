using System.Text;
using System.Text.Json;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// Renders a Serilog/Seq message template (<c>User {Name} logged in from {@Address}</c>) with its properties:
/// <c>{{</c> and <c>}}</c> are literal braces, a hole may carry <c>@</c> or <c>$</c>, an alignment and a format
/// (kept out of the text here), and a hole whose property is missing stays as written. Strings render without
/// quotes, other values as their JSON. The output is bounded while it is built: rendering stops once it holds
/// <c>maxLength</c> characters, so a short template that repeats a long property cannot multiply memory.
/// </summary>
public static class MessageTemplate
{
    /// <summary>Holes longer than this are text, not holes: it keeps rendering linear on hostile templates.</summary>
    public const int MaxHoleLength = 256;

    /// <param name="maxLength">Characters at which rendering stops; the text returned is then this long, a prefix.</param>
    public static string Render(string template, JsonElement properties, int maxLength = int.MaxValue) =>
        RenderWith(template, name => properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var value)
            ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())
            : null, maxLength);

    /// <param name="valueOf">The text of a property by name, or null when there is none (the hole stays as written).</param>
    /// <param name="maxLength">Characters at which rendering stops; the text returned is then this long, a prefix.</param>
    public static string RenderWith(string template, Func<string, string?> valueOf, int maxLength = int.MaxValue)
    {
        var text = new StringBuilder(Math.Min(template.Length + 32, maxLength));
        var nextClose = -1; // the next '}' at or after i, found once and reused
        for (var i = 0; i < template.Length && text.Length < maxLength; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                text.Append('}');
                i++;
                continue;
            }

            if (c != '{')
            {
                text.Append(c);
                continue;
            }

            if (nextClose <= i)
            {
                nextClose = template.IndexOf('}', i + 1);
                if (nextClose < 0)
                {
                    Append(text, template.AsSpan(i), maxLength); // no hole can close: the rest is text
                    break;
                }
            }

            if (nextClose - i - 1 > MaxHoleLength || !TryHole(template.AsSpan(i + 1, nextClose - i - 1), out var name))
            {
                text.Append(c);
                continue;
            }

            if (valueOf(name) is { } value)
            {
                Append(text, value, maxLength);
            }
            else
            {
                Append(text, template.AsSpan(i, nextClose - i + 1), maxLength);
            }

            i = nextClose;
        }

        return text.ToString();
    }

    /// <summary>Appends no more than the room left under <paramref name="maxLength"/>.</summary>
    private static void Append(StringBuilder text, ReadOnlySpan<char> value, int maxLength) =>
        text.Append(value[..Math.Min(value.Length, maxLength - text.Length)]);

    /// <summary>The property names of the template's holes, in order (a name may repeat).</summary>
    public static IEnumerable<string> HoleNames(string template)
    {
        var names = new List<string>();
        RenderWith(template, name =>
        {
            names.Add(name);
            return null;
        });
        return names;
    }

    /// <summary>The property name of a hole's inside (<c>@Name,-10:000</c> → <c>Name</c>).</summary>
    private static bool TryHole(ReadOnlySpan<char> inside, out string name)
    {
        name = "";
        if (inside.Length > 0 && inside[0] is '@' or '$')
        {
            inside = inside[1..];
        }

        var end = inside.IndexOfAny(',', ':');
        var raw = end >= 0 ? inside[..end] : inside;
        if (raw.IsEmpty)
        {
            return false;
        }

        foreach (var ch in raw)
        {
            if (!char.IsLetterOrDigit(ch) && ch is not '_' and not '.')
            {
                return false;
            }
        }

        name = raw.ToString();
        return true;
    }
}
