using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Core.IO;

namespace Sluice.Storage.Retention;

/// <summary>Keeps the last cleanup run in <c>meta/cleanup-last-run.json</c> (the seed's <c>meta:cleanup:last_run</c>).</summary>
internal static class CleanupRecord
{
    public const string FileName = "cleanup-last-run.json";

    /// <summary>The name the seed's Redis scheme gives this record; the Redis backend will use it as the key.</summary>
    public const string Key = "meta:cleanup:last_run";

    public static void Save(string metaDirectory, CleanupReport report) =>
        AtomicFile.Write(Path.Combine(metaDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(report.ToJson()));

    /// <summary>The stored record as JSON, or null if no cleanup has run.</summary>
    public static JsonObject? Read(string metaDirectory)
    {
        var path = Path.Combine(metaDirectory, FileName);
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject : null;
    }
}
