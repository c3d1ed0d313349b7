namespace Sluice.Query.Search;

/// <summary>One result event: its encoded row (from the hot tier or rebuilt from a part) and its sort key.</summary>
public readonly record struct EventRow(ReadOnlyMemory<byte> Bytes, long Timestamp, long Seq)
{
    /// <summary>A hot row, valid while the read scope it was found in is open.</summary>
    public static EventRow Of(Sluice.Storage.Hot.RowRef row)
    {
        ref readonly var entry = ref row.Entry;
        return new EventRow(row.Chunk.Data.AsMemory(entry.Offset, entry.Length), entry.Timestamp, entry.Seq);
    }

    public int CompareTo(in EventRow other)
    {
        var c = Timestamp.CompareTo(other.Timestamp);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }
}

/// <summary>One page of results in the requested order, and the cursor of the next page if there is one.</summary>
public sealed record SearchPage(IReadOnlyList<EventRow> Rows, SearchCursor? Next)
{
    /// <summary>Cuts merged candidates (already in result order) to a page and makes the cursor of the next one.</summary>
    public static SearchPage From(List<EventRow> ordered, SearchRequest request, long snapshot)
    {
        if (ordered.Count <= request.Limit)
        {
            return new SearchPage(ordered, null);
        }

        ordered.RemoveRange(request.Limit, ordered.Count - request.Limit);
        var last = ordered[^1];
        return new SearchPage(ordered, new SearchCursor(snapshot, last.Timestamp, last.Seq, request.Descending, request.NowMs));
    }
}
