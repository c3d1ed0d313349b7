namespace Sluice.Core.IO;

/// <summary>
/// This node's name among the nodes sharing Redis and ClickHouse: made once and kept in <c>meta/node-id</c>, so it survives restarts
/// and two data directories are never the same node.
/// </summary>
public static class NodeIdentity
{
    public static string LoadOrCreate(string metaDirectory)
    {
        var path = Path.Combine(metaDirectory, "node-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }

        var id = Guid.NewGuid().ToString("N")[..16];
        Directory.CreateDirectory(metaDirectory);
        AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(id + "\n"));
        return id;
    }
}
