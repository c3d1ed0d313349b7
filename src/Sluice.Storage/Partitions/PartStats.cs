using Sluice.Core.IO;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// What is stored beside each part in its stats file (<c>.stats.json</c>, binary since version 3; the name is kept
/// so that every part, old or new, has its stats at the same path): the part's summary (counts by field, distinct-IP
/// sketch) and its trace index — the sorted keys (<see cref="TraceIndexFormat.KeyOf"/>) of the trace ids it holds,
/// each with the first and last millisecond (from the hour's start) of that trace in the part, widened to whole
/// seconds when stored. A trace lookup opens only the parts that can hold the trace and reads only the row groups of
/// that time span; a sealed hour's summary never rereads its events.
/// </summary>
public sealed class PartStats
{
    internal PartStats(PartSummary summary, uint[] traceKeys, uint[] traceFirst, uint[] traceLast, TextTrigrams? text = null, IReadOnlyList<TextBlock>? textBlocks = null, byte[]? detail = null)
    {
        Summary = summary;
        Detail = detail;
        TraceKeys = traceKeys;
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

    /// <summary>
    /// The part's <see cref="SummaryDetail"/> as encoded (kept so, about 2 KB a part-hour; a query decodes what it
    /// reads); null for parts written before it existed, whose hours the engine counts.
    /// </summary>
    public byte[]? Detail { get; }

    public SummaryDetail? DecodeDetail() => Detail is null ? null : SummaryDetail.Decode(Detail);

    /// <summary>Sorted, distinct.</summary>
    internal uint[] TraceKeys { get; }

    /// <summary>Per trace key: its first and last event, in ms from the part's hour start.</summary>
    internal uint[] TraceFirst { get; }

    internal uint[] TraceLast { get; }

    /// <summary>
    /// Where the trace of 64-bit hash <paramref name="hash"/> lies in the part (ms from the hour start), if the part
    /// can hold it at all (the index keeps part of the hash, so a "yes" may be another trace's).
    /// </summary>
    public bool TryFindTrace(ulong hash, out uint first, out uint last)
    {
        var i = Array.BinarySearch(TraceKeys, TraceIndexFormat.KeyOf(hash));
        (first, last) = i >= 0 ? (TraceFirst[i], TraceLast[i]) : (0u, 0u);
        return i >= 0;
    }

    /// <summary>Builds the index from each trace's (64-bit hash, first offset, last offset).</summary>
    internal static PartStats Create(PartSummary summary, Dictionary<ulong, (uint First, uint Last)> traces, TextTrigrams? text = null, IReadOnlyList<TextBlock>? textBlocks = null, SummaryDetail? detail = null)
    {
        var byKey = new Dictionary<uint, (uint First, uint Last)>(traces.Count);
        foreach (var (hash, span) in traces)
        {
            Widen(byKey, TraceIndexFormat.KeyOf(hash), span);
        }

        return Create(summary, byKey, text, textBlocks, detail);
    }

    private static PartStats Create(PartSummary summary, Dictionary<uint, (uint First, uint Last)> traces, TextTrigrams? text, IReadOnlyList<TextBlock>? textBlocks, SummaryDetail? detail)
    {
        var keys = traces.Keys.Order().ToArray();
        var first = new uint[keys.Length];
        var last = new uint[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            (first[i], last[i]) = traces[keys[i]];
        }

        return new PartStats(summary, keys, first, last, text, textBlocks, detail?.Encode());
    }

    /// <summary>Adds a trace's span under its key, widening the span of one already there.</summary>
    private static void Widen(Dictionary<uint, (uint First, uint Last)> traces, uint key, (uint First, uint Last) span) =>
        traces[key] = traces.TryGetValue(key, out var known) ? (Math.Min(known.First, span.First), Math.Max(known.Last, span.Last)) : span;

    /// <summary>Stats of parts of the same hour, merged: summaries added, trace spans widened.</summary>
    internal static PartStats Merge(IEnumerable<PartStats> parts)
    {
        var summary = new PartSummary();
        var traces = new Dictionary<uint, (uint First, uint Last)>();
        var texts = new List<TextTrigrams?>();
        var blocks = new List<TextBlock>();
        var allBlocked = true;
        var details = new List<SummaryDetail?>();
        foreach (var part in parts)
        {
            details.Add(part.DecodeDetail());
            texts.Add(part.Text);
            blocks.AddRange(part.TextBlocks);
            allBlocked &= part.TextBlocks.Count > 0;
            summary.Merge(part.Summary);
            for (var i = 0; i < part.TraceKeys.Length; i++)
            {
                Widen(traces, part.TraceKeys[i], (part.TraceFirst[i], part.TraceLast[i]));
            }
        }

        // Runs are kept only if every part has them: a part without would leave its rows in no run.
        // Details too: a part without them (written before they existed) leaves the merged part without.
        return Create(summary, traces, TextTrigrams.Merge(texts), allBlocked ? blocks : null, SummaryDetail.Merge(details));
    }

    /// <summary>The version written: 3, binary (<see cref="PartStatsBinary"/>); 1 and 2 were JSON and still read.</summary>
    internal const int FormatVersion = PartStatsBinary.Version;

    /// <summary>Writes the stats file durably: temp, fsync, rename (a crash leaves the old file or the new).</summary>
    internal void Write(string path) => AtomicFile.Write(path, PartStatsBinary.Encode(this));

    /// <summary>
    /// Reads a stats file of any version: version 3 starts with its magic bytes, 1 and 2 with the '{' of a JSON
    /// object. A damaged file throws <see cref="InvalidDataException"/>.
    /// </summary>
    internal static PartStats Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return PartStatsBinary.IsBinary(bytes) ? PartStatsBinary.Decode(bytes, path) : PartStatsJson.Decode(bytes, path);
    }
}
