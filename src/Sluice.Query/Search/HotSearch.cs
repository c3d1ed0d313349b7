using Sluice.Core.Events;
using Sluice.Storage.Hot;

namespace Sluice.Query.Search;

/// <summary>
/// Runs a <see cref="SearchRequest"/> over the hot tier: one pass over the row index, most rows rejected on
/// the entry's sort key, level and field hashes; the survivors decoded once for the exact checks; the best
/// <c>limit + 1</c> kept in a heap ordered by (timestamp, seq). The chunks come from a <see cref="Storage.StorageSnapshot"/>;
/// keep it open while the returned rows are read.
/// </summary>
public static class HotSearch
{
    /// <summary>
    /// The best <c>limit + 1</c> rows of these chunks with seq ≤ <paramref name="snapshot"/> that pass the request
    /// and come after its cursor, in result order.
    /// </summary>
    public static List<EventRow> Candidates(IReadOnlyList<HotChunk> chunks, SearchRequest request, long snapshot)
    {
        var filter = new RowFilter(request);
        var keep = request.Limit + 1;
        var comparer = request.Descending ? SortKeyComparer.Ascending : SortKeyComparer.Descending;
        var best = new PriorityQueue<RowRef, SortKey>(keep + 1, comparer);
        var start = request.StartMs ?? long.MinValue;
        var end = request.EndMs ?? long.MaxValue;
        var text = Analytics.TextIndex.Required(request.Filter, request.Text);

        foreach (var chunk in chunks)
        {
            var count = chunk.Count;
            if (count == 0 || chunk.FirstSeq > snapshot || chunk.MaxTimestamp < start || chunk.MinTimestamp >= end
                || (text is not null && chunk.Text is { } index && !index.MayContainAll(text)))
            {
                continue;
            }

            var rows = chunk.Rows;
            for (var i = 0; i < count; i++)
            {
                ref readonly var entry = ref rows[i];
                if (entry.Seq > snapshot)
                {
                    break;
                }

                if (entry.Timestamp < start || entry.Timestamp >= end || !filter.PassesEntry(entry))
                {
                    continue;
                }

                var key = new SortKey(entry.Timestamp, entry.Seq);
                if (request.Cursor is { } cursor && !IsAfterCursor(key, cursor))
                {
                    continue;
                }

                // Cheap pre-check against the worst kept key before decoding the row.
                if (best.Count == keep && comparer.Compare(key, PeekKey(best)) <= 0)
                {
                    continue;
                }

                if (!filter.PassesRow(chunk.Data.Slice(entry.Offset, entry.Length)))
                {
                    continue;
                }

                best.Enqueue(new RowRef(chunk, i), key);
                if (best.Count > keep)
                {
                    best.Dequeue();
                }
            }
        }

        var ordered = new EventRow[best.Count];
        for (var i = ordered.Length - 1; i >= 0; i--)
        {
            ordered[i] = EventRow.Of(best.Dequeue());
        }

        return [.. ordered];
    }

    private static SortKey PeekKey(PriorityQueue<RowRef, SortKey> queue)
    {
        queue.TryPeek(out _, out var key);
        return key;
    }

    internal static bool IsAfterCursor(SortKey key, SearchCursor cursor)
    {
        var c = key.CompareTo(new SortKey(cursor.Timestamp, cursor.Seq));
        return cursor.Descending ? c < 0 : c > 0;
    }

    /// <summary>The order of results: timestamp, then the WAL sequence number, which is unique.</summary>
    internal readonly record struct SortKey(long Timestamp, long Seq) : IComparable<SortKey>
    {
        public int CompareTo(SortKey other)
        {
            var c = Timestamp.CompareTo(other.Timestamp);
            return c != 0 ? c : Seq.CompareTo(other.Seq);
        }
    }

    /// <summary>Heap order: the root is the worst kept row, the one to drop first.</summary>
    private sealed class SortKeyComparer(bool ascending) : IComparer<SortKey>
    {
        public static readonly SortKeyComparer Ascending = new(true);
        public static readonly SortKeyComparer Descending = new(false);

        public int Compare(SortKey x, SortKey y) => ascending ? x.CompareTo(y) : y.CompareTo(x);
    }

    private sealed class RowFilter
    {
        private readonly SearchRequest _request;
        private readonly int _service, _system, _domain, _user;
        private readonly TextMatcher? _text;
        private readonly Language.RowPredicate? _predicate;

        public RowFilter(SearchRequest request)
        {
            _request = request;
            _service = request.Service is null ? 0 : FieldHash.Of32(request.Service);
            _system = request.System is null ? 0 : FieldHash.Of32(request.System);
            _domain = request.Domain is null ? 0 : FieldHash.Of32(request.Domain);
            _user = request.UserId is null ? 0 : FieldHash.Of32(request.UserId);
            _text = string.IsNullOrEmpty(request.Text) ? null : new TextMatcher(request.Text);
            _predicate = request.Filter is null ? null : new Language.RowPredicate(request.Filter, request.NowMs);
        }

        public bool PassesEntry(in RowEntry entry) =>
            (_request.LevelMask == 0 || (_request.LevelMask & (1 << (int)entry.Level)) != 0)
            && (_request.Kind is null || entry.Kind == _request.Kind)
            && (_service == 0 || entry.ServiceHash == _service)
            && (_system == 0 || entry.SystemHash == _system)
            && (_domain == 0 || entry.DomainHash == _domain)
            && (_user == 0 || entry.UserHash == _user);

        /// <summary>Exact checks on the decoded row (hashes can collide; trace and text have no hash).</summary>
        public bool PassesRow(ReadOnlyMemory<byte> memory)
        {
            if (_predicate is not null && !_predicate.Matches(memory))
            {
                return false;
            }

            var row = memory.Span;
            bool service = _request.Service is null, system = _request.System is null, domain = _request.Domain is null,
                user = _request.UserId is null, trace = _request.TraceId is null, text = _text is null;
            if (service && system && domain && user && trace && text)
            {
                return true;
            }

            var reader = new RowReader(row);
            while (reader.MoveNext())
            {
                switch (reader.Tag)
                {
                    case FieldTag.Service: service = service || reader.Value.SequenceEqual(_request.Service); break;
                    case FieldTag.System: system = system || reader.Value.SequenceEqual(_request.System); break;
                    case FieldTag.Domain: domain = domain || reader.Value.SequenceEqual(_request.Domain); break;
                    case FieldTag.UserId: user = user || reader.Value.SequenceEqual(_request.UserId); break;
                    case FieldTag.TraceId: trace = trace || reader.Value.SequenceEqual(_request.TraceId); break;
                    case FieldTag.Message: text = text || _text!.IsMatch(reader.Value); break;
                }
            }

            return service && system && domain && user && trace && text;
        }
    }
}
