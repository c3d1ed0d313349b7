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
