using Sluice.Storage;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>Reads parts' text indexes to skip parts that cannot hold a searched text; any doubt admits the part.</summary>
public static class TextIndex
{
    public static bool MayMatch(PartInfo part, StorageSnapshot snapshot, IReadOnlyList<int[]>? required)
    {
        if (required is not { Count: > 0 })
        {
            return true;
        }

        return StatsOf(part, snapshot)?.Text is not { } text || text.MayContainAll(required);
    }

    /// <summary>The part's stats, or null when they cannot be read: the engine then reads the part and reports what is wrong.</summary>
    private static PartStats? StatsOf(PartInfo part, StorageSnapshot snapshot)
    {
        try
        {
            return snapshot.StatsOf(part);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Most sequence ranges a search adds to its WHERE; past it the parts are read whole.</summary>
    private const int MaxRanges = 64;

    /// <summary>
    /// The WAL sequence ranges of these parts' rows that may hold the text: the runs (row groups as sealed) whose index
    /// admits it, and whole parts that have no runs. Null when that rules nothing out or would be too long a WHERE.
    /// The engine skips a row group whose <c>seq</c> statistics fall outside every range.
    /// </summary>
    public static List<(long First, long Last)>? SeqRanges(IEnumerable<PartInfo> parts, StorageSnapshot snapshot, IReadOnlyList<int[]>? required)
    {
        if (required is not { Count: > 0 })
        {
            return null;
        }

        var ranges = new List<(long First, long Last)>();
        var narrowed = false;
        foreach (var part in parts)
        {
            var blocks = StatsOf(part, snapshot)?.TextBlocks ?? [];
            if (blocks.Count == 0)
            {
                ranges.Add((part.MinSeq, part.MaxSeq));
                continue;
            }

            foreach (var block in blocks)
            {
                if (block.Text is null || block.Text.MayContainAll(required))
                {
                    ranges.Add((block.MinSeq, block.MaxSeq));
                }
                else
                {
                    narrowed = true;
                }
            }
        }

        if (!narrowed)
        {
            return null;
        }

        ranges.Sort();
        var merged = new List<(long First, long Last)>();
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.First <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, range.Last));
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged.Count <= MaxRanges ? merged : null;
    }

    /// <summary>The trigram codes of every text term ANDed at the top of <paramref name="filter"/> (and of <paramref name="text"/>).</summary>
    public static IReadOnlyList<int[]>? Required(Language.Filter? filter, string? text)
    {
        var required = QueryBounds.Of(filter, 0).RequiredText?.ToList() ?? [];
        if (text is not null && TextTrigrams.NeedleCodes(text) is { } codes)
        {
            required.Add(codes);
        }

        return required.Count == 0 ? null : required;
    }
}
