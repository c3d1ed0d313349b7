namespace Sluice.Core.IO;

/// <summary>
/// The layout under the data directory (DESIGN §6) and the lock that keeps a second server off it.
/// <code>wal/  meta/  partitions/  archive/</code>
/// </summary>
public sealed class DataDirectory : IDisposable
{
    private readonly FileStream _lock;

    private DataDirectory(string root, FileStream lockFile)
    {
        Root = root;
        _lock = lockFile;
    }

    public string Root { get; }

    public string Wal => Path.Combine(Root, "wal");

    public string Meta => Path.Combine(Root, "meta");

    public string Partitions => Path.Combine(Root, "partitions");

    public string Archive => Path.Combine(Root, "archive");

    /// <summary>Creates the layout if needed and takes an exclusive lock on it.</summary>
    public static DataDirectory Open(string path)
    {
        var root = Path.GetFullPath(path);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(root, "wal"));
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        Directory.CreateDirectory(Path.Combine(root, "partitions"));
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix; the kernel drops it if the process dies.
            var lockFile = new FileStream(Path.Combine(root, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataDirectory(root, lockFile);
        }
        catch (IOException e)
        {
            throw new IOException($"the data directory {root} is in use by another Sluice process", e);
        }
    }

    public void Dispose() => _lock.Dispose();
}
