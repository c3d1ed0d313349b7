using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>An engine's error as a client may read it: its first line, with the server's data directories hidden.</summary>
internal static class EngineMessage
{
    public static string Of(string message, PartRoots roots)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return roots.HidePaths((end < 0 ? message : message[..end]).Trim());
    }
}
