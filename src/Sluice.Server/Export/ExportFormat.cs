namespace Sluice.Server.Export;

/// <summary>The file formats an export is written in (docs/export-import.md).</summary>
public enum ExportFormat
{
    Ndjson,
    Csv,
    Parquet,
}

public static class ExportFormats
{
    public static bool TryParse(string text, out ExportFormat format)
    {
        switch (text.ToLowerInvariant())
        {
            case "" or "ndjson" or "json": format = ExportFormat.Ndjson; return true;
            case "csv": format = ExportFormat.Csv; return true;
            case "parquet": format = ExportFormat.Parquet; return true;
            default: format = default; return false;
        }
    }

    public static string ContentType(ExportFormat format) => format switch
    {
        ExportFormat.Csv => "text/csv; charset=utf-8",
        ExportFormat.Parquet => "application/vnd.apache.parquet",
        _ => "application/x-ndjson",
    };

    public static string Extension(ExportFormat format) => format switch
    {
        ExportFormat.Csv => "csv",
        ExportFormat.Parquet => "parquet",
        _ => "ndjson",
    };
}
