namespace Sluice.Core.IO;

/// <summary>Replaces a file so that a crash leaves either the old content or the new: temp, fsync, rename, fsync of the directory.</summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + TempSuffix;
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
            {
                RandomAccess.Write(handle, content, 0);
                NativeFile.FlushData(handle);
            }

            Publish(temp, path);
        }
        catch
        {
            Discard(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes files a failed write leaves behind (a temp file, a stats file whose part never appeared), so a full
    /// disk does not keep them until the next restart; a file that cannot be deleted is left to the orphan sweep.
    /// </summary>
    public static void Discard(params string[] paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// Creates a directory and any missing parents, syncing each new entry into its parent, so a file later made
    /// durable inside it cannot lose its path to a power cut on filesystems that do not order metadata.
    /// </summary>
    public static void CreateDirectory(string path)
    {
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
        }

        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir);
            NativeFile.FlushDirectory(Path.GetDirectoryName(dir)!);
        }
    }

    /// <summary>Syncs a finished temp file, renames it into place, and syncs the directory that now names it.</summary>
    public static void Publish(string temp, string path)
    {
        using (var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            NativeFile.FlushData(handle);
        }

        File.Move(temp, path, overwrite: true);
        NativeFile.FlushDirectory(Path.GetDirectoryName(path)!);
    }
}
