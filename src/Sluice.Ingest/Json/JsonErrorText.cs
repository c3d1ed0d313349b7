using System.Text.Json;
using Sluice.Core.Errors;

namespace Sluice.Ingest.Json;

/// <summary>
/// JSON that does not read, in Sluice's own words: where it broke, or that it nests too deep — never the runtime's
/// message, which changes between versions and is not an API.
/// </summary>
public static class JsonErrorText
{
    /// <summary>Where the syntax broke.</summary>
    public static string Of(JsonException e) =>
        e.BytePositionInLine is { } position ? $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {position + 1}" : "invalid JSON";

    /// <summary>
    /// The error for <paramref name="json"/>, which failed to read with <paramref name="maxDepth"/>: <c>too_deep</c>
    /// when only the nesting was at fault (read without that limit, it gets further), else <c>malformed_json</c>.
    /// </summary>
    public static FieldError Error(ReadOnlySpan<byte> json, JsonException e, int maxDepth, string prefix = "") =>
        FailsOnlyForDepth(json, maxDepth)
            ? new FieldError(ErrorCodes.TooDeep, null, $"{prefix}objects and arrays nest more than {maxDepth} levels deep")
            : new FieldError(ErrorCodes.MalformedJson, null, prefix + Of(e));

    private static bool FailsOnlyForDepth(ReadOnlySpan<byte> json, int maxDepth)
    {
        // Nesting past the limit needs that many openings: most broken input is spared a second and third read.
        if (json.Count((byte)'[') + json.Count((byte)'{') <= maxDepth)
        {
            return false;
        }

        var limited = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        var brokeAt = Consume(ref limited);
        if (brokeAt < 0)
        {
            return false;
        }

        var unlimited = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        var unlimitedBrokeAt = Consume(ref unlimited);
        return unlimitedBrokeAt < 0 || unlimitedBrokeAt > brokeAt;
    }

    /// <summary>
    /// Whether <paramref name="line"/> cannot start any JSON value, so it can be refused as malformed without a
    /// reader — which reports that by throwing, and a body of many short broken lines would otherwise cost an
    /// exception each.
    /// </summary>
    public static bool CannotStartValue(ReadOnlySpan<byte> line) =>
        line.IsEmpty || line[0] is not ((byte)'{' or (byte)'[' or (byte)'"' or (byte)'-' or (>= (byte)'0' and <= (byte)'9') or (byte)'t' or (byte)'f' or (byte)'n');

    /// <summary>
    /// Whether System.Text.Json threw because text it was asked to read holds a lone surrogate escape (it throws
    /// <see cref="InvalidOperationException"/> for that): bad input, not a bug.
    /// </summary>
    public static bool IsInvalidText(InvalidOperationException e) => e.TargetSite?.DeclaringType?.Assembly == typeof(JsonDocument).Assembly;

    /// <summary>Reads to the end: -1 when it read, else the bytes consumed before it broke.</summary>
    private static long Consume(ref Utf8JsonReader reader)
    {
        try
        {
            while (reader.Read())
            {
            }

            return -1;
        }
        catch (JsonException)
        {
            return reader.BytesConsumed;
        }
    }
}
