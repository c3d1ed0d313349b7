using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Storage.IO;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// What is stored beside each part in its <c>.stats.json</c>: the part's summary (counts by field, distinct-IP
/// sketch) and its trace index — the sorted 64-bit hashes of the trace ids it holds — so a trace lookup opens only
/// the parts that can contain the trace, and a sealed hour's summary never rereads its events.
/// </summary>
public sealed class PartStats
{
    public PartStats(PartSummary summary, ulong[] traceHashes)
    {
        Summary = summary;
        TraceHashes = traceHashes;
    }

    public PartSummary Summary { get; }

    /// <summary>Sorted, distinct.</summary>
    public ulong[] TraceHashes { get; }

    public bool MayContainTrace(ulong hash) => Array.BinarySearch(TraceHashes, hash) >= 0;

    public static PartStats Merge(IEnumerable<PartStats> parts)
    {
        var summary = new PartSummary();
        var traces = new SortedSet<ulong>();
        foreach (var part in parts)
        {
            summary.Merge(part.Summary);
            traces.UnionWith(part.TraceHashes);
        }

        return new PartStats(summary, [.. traces]);
    }

    public void Write(string path)
    {
        var traces = new byte[TraceHashes.Length * 8];
        for (var i = 0; i < TraceHashes.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(traces.AsSpan(i * 8), TraceHashes[i]);
        }

        var root = new JsonObject { ["version"] = 1, ["summary"] = Summary.ToJson(), ["trace_hashes"] = Convert.ToBase64String(traces) };
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(root));
    }

    public static PartStats Read(string path)
    {
        var root = JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path} is empty");
        var bytes = Convert.FromBase64String(root["trace_hashes"]!.GetValue<string>());
        var traces = new ulong[bytes.Length / 8];
        for (var i = 0; i < traces.Length; i++)
        {
            traces[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        }

        return new PartStats(PartSummary.FromJson(root["summary"]!), traces);
    }
}
