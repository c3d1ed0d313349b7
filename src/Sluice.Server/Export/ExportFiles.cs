namespace Sluice.Server.Export;

/// <summary>Where exports and imports keep files on disk: <c>exports/</c> under the data directory.</summary>
internal static class ExportFiles
{
    public static string Directory(string dataDir) => Path.Combine(dataDir, "exports");

    /// <summary>A new file name for a temporary file (a Parquet export or import being spooled); the caller deletes it.</summary>
    public static string NewTempPath(string dataDir, string extension)
    {
        var directory = Path.Combine(Directory(dataDir), "tmp");
        System.IO.Directory.CreateDirectory(directory);
        return Path.Combine(directory, Guid.NewGuid().ToString("N") + "." + extension);
    }

    /// <summary>Temporary files left by a stop in the middle of an export or import: removed at start.</summary>
    public static void RemoveLeftovers(string dataDir)
    {
        var directory = Path.Combine(Directory(dataDir), "tmp");
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
