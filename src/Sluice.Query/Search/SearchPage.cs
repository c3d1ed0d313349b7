namespace Sluice.Query.Search;

/// <summary>One result event: its encoded row (from the hot tier or rebuilt from a part) and its sort key.</summary>
public readonly record struct EventRow(ReadOnlyMemory<byte> Bytes, long Timestamp, long Seq)
{
    /// <summary>A hot row, valid while the read scope it was found in is open.</summary>
    public static EventRow Of(Sluice.Storage.Hot.RowRef row)
    {
        ref readonly var entry = ref row.Entry;
        return new EventRow(row.Chunk.Data.Slice(entry.Offset, entry.Length), entry.Timestamp, entry.Seq);
    }

    public int CompareTo(in EventRow other)
    {
        var c = Timestamp.CompareTo(other.Timestamp);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }
}

/// <summary>
/// One page of results in the requested order, and the cursor of the next page if there is one.
/// <see cref="CutByBytes"/>: the page ended before <see cref="SearchRequest.Limit"/> rows because it reached
/// <see cref="SearchRequest.MaxBytes"/>; the cursor goes on from its last row.
/// </summary>
public sealed record SearchPage(IReadOnlyList<EventRow> Rows, SearchCursor? Next, bool CutByBytes = false)
{
    /// <summary>
    /// Cuts merged candidates (already in result order) to a page — at most <see cref="SearchRequest.Limit"/> rows
    /// and <see cref="SearchRequest.MaxBytes"/> bytes, and at least one row — and makes the cursor of the next one.
    /// <paramref name="more"/>: rows after the last candidate were left unread (a byte cap while reading them).
    /// </summary>
    public static SearchPage From(List<EventRow> ordered, SearchRequest request, long snapshot, bool more = false)
    {
        var keep = Math.Min(ordered.Count, request.Limit);
        var byBytes = more;
        var bytes = 0L;
        for (var i = 0; i < keep; i++)
        {
            bytes += ordered[i].Bytes.Length;
            if (i > 0 && bytes > request.MaxBytes)
            {
                keep = i;
                byBytes = true;
                break;
            }
        }

        if (keep == ordered.Count && !more)
        {
            return new SearchPage(ordered, null);
        }

        ordered.RemoveRange(keep, ordered.Count - keep);
        var last = ordered[^1];
        return new SearchPage(ordered, new SearchCursor(snapshot, last.Timestamp, last.Seq, request.Descending, request.NowMs), byBytes);
    }
}
