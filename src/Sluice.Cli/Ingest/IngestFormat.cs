using System.Text.Json;

namespace Sluice.Cli.Ingest;

/// <summary>What the lines of an ingested file are, and where the server takes them.</summary>
internal enum IngestFormat
{
    /// <summary>Sluice's own events, one JSON object a line: <c>POST /api/ingest</c>.</summary>
    Ndjson,

    /// <summary>Seq's compact JSON (<c>@t</c>, <c>@mt</c>, <c>@l</c> …): <c>POST /ingest/clef</c>.</summary>
    Clef,

    /// <summary>Text lines, each made a log event with the level found in it: <c>POST /api/ingest</c>.</summary>
    Plain,
}

internal static class IngestFormats
{
    public static IngestFormat Parse(string text) => text switch
    {
        "ndjson" or "json" => IngestFormat.Ndjson,
        "clef" => IngestFormat.Clef,
        "plain" or "text" => IngestFormat.Plain,
        _ => throw new Commands.UsageException($"--format must be ndjson, clef or plain, not '{text}'"),
    };

    /// <summary>
    /// Guesses from the first line: a JSON object naming <c>@t</c>, <c>@m</c> or <c>@mt</c> at its top is CLEF, any
    /// other object NDJSON, anything else plain text.
    /// </summary>
    public static IngestFormat Detect(ReadOnlySpan<byte> firstLine)
    {
        var trimmed = firstLine.TrimStart(" \t\uFEFF"u8);
        if (trimmed.StartsWith("\xEF\xBB\xBF"u8))
        {
            trimmed = trimmed[3..];
        }

        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return IngestFormat.Plain;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("@t"u8) || reader.ValueTextEquals("@m"u8) || reader.ValueTextEquals("@mt"u8))
                {
                    return IngestFormat.Clef;
                }

                reader.Skip();
            }

            return IngestFormat.Ndjson;
        }
        catch (JsonException)
        {
            return IngestFormat.Plain;
        }
    }
}
