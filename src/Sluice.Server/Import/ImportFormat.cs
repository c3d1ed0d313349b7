namespace Sluice.Server.Import;

/// <summary>The files an import reads (docs/export-import.md).</summary>
public enum ImportFormat
{
    /// <summary>One native event per line (what an NDJSON export writes).</summary>
    Ndjson,

    /// <summary>Seq's compact log event format, one per line.</summary>
    Clef,

    /// <summary>A Parquet file as Sluice exports it; other columns become attributes.</summary>
    Parquet,
}

public static class ImportFormats
{
    public static bool TryParse(string text, out ImportFormat format)
    {
        switch (text.ToLowerInvariant())
        {
            case "" or "ndjson" or "json": format = ImportFormat.Ndjson; return true;
            case "clef": format = ImportFormat.Clef; return true;
            case "parquet": format = ImportFormat.Parquet; return true;
            default: format = default; return false;
        }
    }
}
