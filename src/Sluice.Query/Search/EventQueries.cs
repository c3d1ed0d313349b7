using System.Text;
using Sluice.Core.Events;
using Sluice.Query.Partitions;
using Sluice.Query.Sql;
using Sluice.Storage;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Search;

/// <summary>
/// Reads events across the two places they live, split at the seam B of one <see cref="StorageSnapshot"/>: memory
/// for sequence numbers from B up, the sealed parts (through the SQL engine) below it — so every event is in exactly
/// one of the two sources a query reads, never both, never neither.
/// </summary>
public sealed class EventQueries(EventStore store, ISqlDialect dialect, int maxTraceEvents)
{
    /// <summary>Searches; dispose the result after its rows are written.</summary>
    /// <param name="cancel">Interrupts the engine (a deadline, or a caller that went away).</param>
    public QueryResult<SearchPage> Search(SearchRequest request, bool includeArchive, CancellationToken cancel = default)
    {
        var stored = store.OpenSnapshot();
        var result = new QueryResult<SearchPage>(stored);
        try
        {
            var snapshot = request.Cursor?.SnapshotSeq ?? stored.MaxSeq;
            var hot = HotSearch.Candidates(stored.Chunks, request, snapshot);
            var cold = SearchParts(stored, request, snapshot, includeArchive, result, cancel, out var coldCut);
            var merged = Merge(hot, cold, request);
            if (coldCut)
            {
                // Rows after the last one read from parts may be missing parts' rows: the page ends there.
                var lastCold = cold[^1].Seq;
                var end = merged.FindIndex(r => r.Seq == lastCold) + 1;
                merged.RemoveRange(end, merged.Count - end);
            }

            result.Value = SearchPage.From(merged, request, snapshot, coldCut);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>The newest event with this id, or null.</summary>
    public QueryResult<EventRow?> Find(string id, bool includeArchive)
    {
        var stored = store.OpenSnapshot();
        var result = new QueryResult<EventRow?>(stored);
        try
        {
            if (stored.TryFind(Encoding.UTF8.GetBytes(id), out var hot))
            {
                result.Value = EventRow.Of(hot);
                return result;
            }

            var parts = stored.Parts.Where(p => includeArchive || p.Tier == PartTier.Partitions).ToList();
            var where = new SqlWhere(dialect);
            where.Equal(FieldCatalog.Get(FieldTag.Id).Name, id);
            var rows = Read(stored, parts, where, "seq DESC", 1, result);
            result.Value = rows.Count > 0 ? rows[0] : null;
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every event of a trace, oldest first: from parts at most as many as a search page may hold, and at most
    /// <paramref name="maxBytes"/> of them (then <see cref="TraceEvents.Truncated"/>).
    /// </summary>
    public QueryResult<TraceEvents> Trace(string traceId, bool includeArchive, long maxBytes = long.MaxValue)
    {
        var stored = store.OpenSnapshot();
        var result = new QueryResult<TraceEvents>(stored);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(traceId);
            var truncated = false;
            var rows = stored.FindTrace(bytes).Select(EventRow.Of).ToList();
            var seam = stored.Seam;
            var hash = FieldHash.Of64(bytes);
            long from = long.MaxValue, to = long.MinValue;
            var parts = new List<PartInfo>();
            foreach (var part in stored.Parts)
            {
                if (part.MinSeq < seam && (includeArchive || part.Tier == PartTier.Partitions) && stored.StatsOf(part).TryFindTrace(hash, out var first, out var last))
                {
                    parts.Add(part);
                    from = Math.Min(from, part.HourStart + first);
                    to = Math.Max(to, part.HourStart + last);
                }
            }

            if (parts.Count > 0)
            {
                // The time span from the trace index lets the engine skip every row group outside it.
                var where = new SqlWhere(dialect);
                where.Equal(FieldCatalog.Get(FieldTag.TraceId).Name, traceId);
                where.Add($"{dialect.Identifier(PartSchema.Seq)} < {where.Bind(seam)}");
                where.Add($"{dialect.Identifier(PartSchema.Timestamp)} BETWEEN {where.Bind(from)} AND {where.Bind(to)}");
                var fromParts = Read(stored, parts, where, "timestamp, seq", maxTraceEvents + 1, result, default, maxBytes, out truncated);
                if (fromParts.Count > maxTraceEvents)
                {
                    fromParts.RemoveRange(maxTraceEvents, fromParts.Count - maxTraceEvents);
                    truncated = true;
                }

                rows.AddRange(fromParts);
            }

            rows.Sort((a, b) => a.CompareTo(b));
            result.Value = new TraceEvents(rows, truncated);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private List<EventRow> SearchParts(StorageSnapshot stored, SearchRequest request, long snapshot, bool includeArchive, QueryResult<SearchPage> result, CancellationToken cancel, out bool cut)
    {
        cut = false;
        var seam = stored.Seam;
        var start = request.StartMs ?? long.MinValue;
        var end = request.EndMs ?? long.MaxValue;
        var cursor = request.Cursor;
        var text = Analytics.TextIndex.Required(request.Filter, request.Text);
        var parts = stored.Parts.Where(p =>
                (includeArchive || p.Tier == PartTier.Partitions)
                && (request.Kind is null || p.Kind == request.Kind)
                && p.MinSeq < seam && p.MinSeq <= snapshot
                && p.MaxTimestamp >= start && p.MinTimestamp < end
                && (cursor is not { } c || (c.Descending ? p.MinTimestamp <= c.Timestamp : p.MaxTimestamp >= c.Timestamp))
                && Analytics.TextIndex.MayMatch(p, stored, text))
            .ToList();
        if (parts.Count == 0)
        {
            return [];
        }

        var where = new SqlWhere(dialect);
        string Column(string name) => dialect.Identifier(name);
        where.Add($"{Column(PartSchema.Seq)} < {where.Bind(Math.Min(seam, snapshot + 1))}");
        if (Analytics.TextIndex.SeqRanges(parts, stored, text) is { } runs)
        {
            // Only the row groups whose text index admits the searched text are read (by their seq statistics).
            where.Add("(" + string.Join(" OR ", runs.Select(r => $"{Column(PartSchema.Seq)} BETWEEN {where.Bind(r.First)} AND {where.Bind(r.Last)}")) + ")");
        }
        SearchConditions.Add(where, dialect, request);

        if (cursor is { } after)
        {
            var ts = where.Bind(after.Timestamp);
            var seq = where.Bind(after.Seq);
            var op = after.Descending ? "<" : ">";
            where.Add($"({Column(PartSchema.Timestamp)} {op} {ts} OR ({Column(PartSchema.Timestamp)} = {ts} AND {Column(PartSchema.Seq)} {op} {seq}))");
        }

        // Newest parts first (oldest for ascending), in batches that double: a page of recent events is answered
        // from the last hour or two, and the scan stops once no part left can hold a better row than the page's worst.
        // Only the sort keys are read while scanning; the page's rows are then fetched whole by seq, so the engine
        // decompresses every column of a few row groups instead of every row group the filter touched.
        var order = request.Descending ? "timestamp DESC, seq DESC" : "timestamp, seq";
        var keep = request.Limit + 1;
        parts = request.Descending ? [.. parts.OrderByDescending(p => p.MaxTimestamp)] : [.. parts.OrderBy(p => p.MinTimestamp)];
        var found = new List<(long Timestamp, long Seq)>();
        for (int next = 0, batch = 1; next < parts.Count; next += batch, batch *= 2)
        {
            if (found.Count >= keep)
            {
                var worst = found[keep - 1].Timestamp;
                if (request.Descending ? parts[next].MaxTimestamp < worst : parts[next].MinTimestamp > worst)
                {
                    break;
                }
            }

            found.AddRange(ReadKeys(stored, parts.GetRange(next, Math.Min(batch, parts.Count - next)), where, order, keep, cancel));
            found.Sort((a, b) =>
            {
                var c = a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.Seq.CompareTo(b.Seq);
                return request.Descending ? -c : c;
            });
            if (found.Count > keep)
            {
                found.RemoveRange(keep, found.Count - keep);
            }
        }

        if (found.Count == 0)
        {
            return [];
        }

        var seqs = found.Select(f => f.Seq).ToHashSet();
        var holding = parts.Where(p => seqs.Any(s => s >= p.MinSeq && s <= p.MaxSeq)).ToList();
        var byKey = new SqlWhere(dialect);
        byKey.Add($"{Column(PartSchema.Seq)} IN ({string.Join(", ", seqs.Order().Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)))})");
        return Read(stored, holding, byKey, order, keep, result, cancel, request.MaxBytes, out cut);
    }

    private List<(long Timestamp, long Seq)> ReadKeys(StorageSnapshot stored, List<PartInfo> parts, SqlWhere where, string order, int limit, CancellationToken cancel)
    {
        var sql = $"SELECT {dialect.Identifier(PartSchema.Timestamp)}, {dialect.Identifier(PartSchema.Seq)} FROM {dialect.Source([.. parts.Select(p => p.Path)])} {where} ORDER BY {order} LIMIT {limit}";
        using var connection = stored.Engine.Rent();
        using var command = connection.Command(sql, where.Values);
        using var stop = cancel.Register(command.Cancel);
        cancel.ThrowIfCancellationRequested();
        using var reader = command.ExecuteReader();
        var keys = new List<(long, long)>();
        while (reader.Read())
        {
            keys.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return keys;
    }

    private List<EventRow> Read<T>(StorageSnapshot stored, List<PartInfo> parts, SqlWhere where, string order, int limit, QueryResult<T> result, CancellationToken cancel = default) =>
        Read(stored, parts, where, order, limit, result, cancel, long.MaxValue, out _);

    /// <summary>Rows of the parts in order, until <paramref name="maxBytes"/> of them are read (<paramref name="cut"/>: rows were left).</summary>
    private List<EventRow> Read<T>(StorageSnapshot stored, List<PartInfo> parts, SqlWhere where, string order, int limit, QueryResult<T> result, CancellationToken cancel, long maxBytes, out bool cut)
    {
        cut = false;
        if (parts.Count == 0)
        {
            return [];
        }

        var sql = $"SELECT {PartRowReader.SelectList(dialect)} FROM {dialect.Source([.. parts.Select(p => p.Path)])} {where} ORDER BY {order} LIMIT {limit}";
        using var connection = stored.Engine.Rent();
        using var command = connection.Command(sql, where.Values);
        using var stop = cancel.Register(command.Cancel);
        cancel.ThrowIfCancellationRequested();
        using var reader = command.ExecuteReader();
        var rows = result.NewPartReader();
        rows.ReadAll(reader, cancel, maxBytes);
        cut = rows.CutByBytes;
        return rows.Rows();
    }

    private static List<EventRow> Merge(List<EventRow> hot, List<EventRow> cold, SearchRequest request)
    {
        var merged = new List<EventRow>(hot.Count + cold.Count);
        merged.AddRange(hot);
        merged.AddRange(cold);
        merged.Sort((a, b) => request.Descending ? b.CompareTo(a) : a.CompareTo(b));
        if (merged.Count > request.Limit + 1)
        {
            merged.RemoveRange(request.Limit + 1, merged.Count - request.Limit - 1);
        }

        return merged;
    }
}

/// <summary>The events of one trace, oldest first; <see cref="Truncated"/> when some stored ones were left out (count or byte cap).</summary>
public sealed record TraceEvents(List<EventRow> Rows, bool Truncated);

/// <summary>A query's answer and what keeps its rows readable: the storage snapshot it read and the rebuilt part rows.</summary>
public sealed class QueryResult<T>(IDisposable scope) : IDisposable
{
    private readonly List<PartRowReader> _readers = [];

    public T Value { get; set; } = default!;

    internal PartRowReader NewPartReader()
    {
        var reader = new PartRowReader();
        _readers.Add(reader);
        return reader;
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }

        scope.Dispose();
    }
}
