using System.Text;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query;
using Sluice.Query.Language;
using Sluice.Query.Search;

namespace Sluice.Server.Import;

/// <summary>
/// Which of a batch's ids the store already holds: one search for <c>id:a OR id:b …</c> over the batch's time range
/// (memory and parts alike, archive too), paged with cursors. This, not the receiver's duplicate window, is what
/// makes a rerun of an import idempotent however much later it runs: an event is found where its time put it.
/// </summary>
internal static class StoredIds
{
    private static readonly QueryField Id = QueryField.Resolve("id");

    public static HashSet<string> Find(IQueryEngine engine, QueryOptions options, IReadOnlyList<ImportEvent> events, CancellationToken cancel)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (events.Count == 0)
        {
            return found;
        }

        var (start, end) = (events.Min(e => e.TimestampMs), events.Max(e => e.TimestampMs));
        var request = new SearchRequest
        {
            Filter = AnyOf(events.Select(e => e.Id).Distinct().ToArray()),
            StartMs = start,
            EndMs = end + 1,
            Limit = options.MaxLimit,
            MaxBytes = options.MaxAnswerMb * 1024L * 1024,
            Descending = false,
        };
        while (true)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(options.TimeoutMs);
            using var result = engine.Search(request, includeArchive: true, deadline.Token);
            foreach (var row in result.Value.Rows)
            {
                if (RowReader.TryGetString(row.Bytes.Span, FieldTag.Id, out var id))
                {
                    found.Add(Encoding.UTF8.GetString(id));
                }
            }

            if (result.Value.Next is not { } next)
            {
                return found;
            }

            request = request with { Cursor = next };
        }
    }

    /// <summary>A balanced OR of id equalities, so its depth grows with the log of the batch, not its length.</summary>
    private static Filter AnyOf(ReadOnlySpan<string> ids) => ids.Length == 1
        ? new FieldFilter(Id, MatchOp.Equal, ids[0])
        : new OrFilter(AnyOf(ids[..(ids.Length / 2)]), AnyOf(ids[(ids.Length / 2)..]));
}
