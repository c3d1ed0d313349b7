using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Core.IO;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// What is stored beside each part in its <c>.stats.json</c>: the part's summary (counts by field, distinct-IP
/// sketch) and its trace index — the sorted 64-bit hashes of the trace ids it holds, each with the first and last
/// millisecond (from the hour's start) of that trace in the part. A trace lookup opens only the parts that can hold
/// the trace and reads only the row groups of that time span; a sealed hour's summary never rereads its events.
/// </summary>
public sealed class PartStats
{
    internal PartStats(PartSummary summary, ulong[] traceHashes, uint[] traceFirst, uint[] traceLast, TextTrigrams? text = null, IReadOnlyList<TextBlock>? textBlocks = null)
    {
        Summary = summary;
        TraceHashes = traceHashes;
        TraceFirst = traceFirst;
        TraceLast = traceLast;
        Text = text;
        TextBlocks = textBlocks ?? [];
    }

    /// <summary>
    /// The text index per run of rows as sealed (a row group), by WAL sequence range: a search adds the ranges that may
    /// hold its text to its WHERE, and the engine skips row groups whose <c>seq</c> statistics fall outside them.
    /// Compaction keeps the runs of the parts it merges (sequence numbers do not change). Empty for older parts.
    /// </summary>
    public IReadOnlyList<TextBlock> TextBlocks { get; }

    /// <summary>The trigrams of the part's messages; null for parts written before it existed, or with too many.</summary>
    public TextTrigrams? Text { get; }

    public PartSummary Summary { get; }

    /// <summary>Sorted, distinct.</summary>
    internal ulong[] TraceHashes { get; }

    /// <summary>Per trace hash: its first and last event, in ms from the part's hour start.</summary>
    internal uint[] TraceFirst { get; }

    internal uint[] TraceLast { get; }

    /// <summary>Where the trace's events lie in the part (ms from the hour start), if the part can hold it at all.</summary>
    public bool TryFindTrace(ulong hash, out uint first, out uint last)
    {
        var i = Array.BinarySearch(TraceHashes, hash);
        (first, last) = i >= 0 ? (TraceFirst[i], TraceLast[i]) : (0u, 0u);
        return i >= 0;
    }

    /// <summary>Builds the index from each trace's (hash, first offset, last offset).</summary>
    internal static PartStats Create(PartSummary summary, Dictionary<ulong, (uint First, uint Last)> traces, TextTrigrams? text = null, IReadOnlyList<TextBlock>? textBlocks = null)
    {
        var hashes = traces.Keys.Order().ToArray();
        var first = new uint[hashes.Length];
        var last = new uint[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            (first[i], last[i]) = traces[hashes[i]];
        }

        return new PartStats(summary, hashes, first, last, text, textBlocks);
    }

    /// <summary>Stats of parts of the same hour, merged: summaries added, trace spans widened.</summary>
    internal static PartStats Merge(IEnumerable<PartStats> parts)
    {
        var summary = new PartSummary();
        var traces = new Dictionary<ulong, (uint First, uint Last)>();
        var texts = new List<TextTrigrams?>();
        var blocks = new List<TextBlock>();
        var allBlocked = true;
        foreach (var part in parts)
        {
            texts.Add(part.Text);
            blocks.AddRange(part.TextBlocks);
            allBlocked &= part.TextBlocks.Count > 0;
            summary.Merge(part.Summary);
            for (var i = 0; i < part.TraceHashes.Length; i++)
            {
                var span = (part.TraceFirst[i], part.TraceLast[i]);
                traces[part.TraceHashes[i]] = traces.TryGetValue(part.TraceHashes[i], out var known)
                    ? (Math.Min(known.First, span.Item1), Math.Max(known.Last, span.Item2))
                    : span;
            }
        }

        // Runs are kept only if every part has them: a part without would leave its rows in no run.
        return Create(summary, traces, TextTrigrams.Merge(texts), allBlocked ? blocks : null);
    }

    internal void Write(string path)
    {
        var traces = new byte[TraceHashes.Length * 16];
        for (var i = 0; i < TraceHashes.Length; i++)
        {
            var entry = traces.AsSpan(i * 16);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, TraceHashes[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], TraceFirst[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], TraceLast[i]);
        }

        var root = new JsonObject { ["version"] = 1, ["summary"] = Summary.ToJson(), ["traces"] = Convert.ToBase64String(traces) };
        if (Text is { } text)
        {
            root["text_trigrams"] = text.ToBase64();
            root["text_trigrams_log2"] = text.Log2;
        }

        if (TextBlocks.Count > 0)
        {
            root["text_blocks"] = new JsonArray([.. TextBlocks.Select(b => (JsonNode)new JsonObject
            {
                ["min_seq"] = b.MinSeq,
                ["max_seq"] = b.MaxSeq,
                ["log2"] = b.Text?.Log2,
                ["bits"] = b.Text?.ToBase64(),
            })]);
        }

        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(root));
    }

    internal static PartStats Read(string path)
    {
        var root = JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path} is empty");
        var bytes = Convert.FromBase64String(root["traces"]!.GetValue<string>());
        var count = bytes.Length / 16;
        var (hashes, first, last) = (new ulong[count], new uint[count], new uint[count]);
        for (var i = 0; i < count; i++)
        {
            var entry = bytes.AsSpan(i * 16);
            hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            first[i] = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            last[i] = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
        }

        var text = root["text_trigrams"] is { } bits ? TextTrigrams.FromBase64(bits.GetValue<string>(), root["text_trigrams_log2"]!.GetValue<int>()) : null;
        var blocks = root["text_blocks"] is JsonArray runs
            ? runs.Select(b => new TextBlock(b!["min_seq"]!.GetValue<long>(), b["max_seq"]!.GetValue<long>(),
                b["bits"] is { } blockBits ? TextTrigrams.FromBase64(blockBits.GetValue<string>(), b["log2"]!.GetValue<int>()) : null)).ToList()
            : null;
        return new PartStats(PartSummary.FromJson(root["summary"]!), hashes, first, last, text, blocks);
    }
}
