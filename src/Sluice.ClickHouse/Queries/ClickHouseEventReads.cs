using System.Globalization;
using Sluice.Core.Events;
using Sluice.Query.Partitions;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Storage.Partitions;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Search, find and trace over the store's <c>events</c>. Rows come back as the parts' columns and are rebuilt into
/// encoded rows by the embedded engine's own <see cref="PartRowReader"/>, so they are written exactly as local ones.
/// Several nodes write the store and each numbers its own events, so the order of events with one timestamp is
/// (seq, node) — the node as a 64-bit hash of its id, which a cursor carries in the slot that locally holds the
/// snapshot's seq: pages stay in one total order with the embedded engine's cursor format.
/// </summary>
internal sealed class ClickHouseEventReads(ClickHouseStatements statements, ClickHouseSqlDialect dialect, ClickHouseStore store, int maxTraceEvents)
{
    /// <summary>The node of a row as a signed 64-bit number (the cursor's slot is a long).</summary>
    private const string NodeKey = $"toInt64(cityHash64({ClickHouseSchema.Node}))";

    private string Column(string name) => dialect.Identifier(name);

    private string Select => $"{string.Join(", ", PartSchema.ColumnNames.Select(Column))}, {NodeKey} AS node_key";

    public QueryResult<SearchPage> Search(SearchRequest request, CancellationToken cancel)
    {
        var where = new SqlWhere(dialect);
        var ts = Column(PartSchema.Timestamp);
        SearchConditions.Add(where, dialect, request);
        var op = request.Descending ? "<" : ">";
        if (request.Cursor is { } after)
        {
            var t = where.Bind(after.Timestamp);
            var s = where.Bind(after.Seq);
            var seq = Column(PartSchema.Seq);
            where.Add($"({ts} {op} {t} OR ({ts} = {t} AND ({seq} {op} {s} OR ({seq} = {s} AND {NodeKey} {op} {where.Bind(after.SnapshotSeq)}))))");
        }

        var direction = request.Descending ? " DESC" : "";
        var order = $"{ts}{direction}, {Column(PartSchema.Seq)}{direction}, node_key{direction}";
        // One kind is read from its own table rather than through the Merge table over both.
        var table = request.Kind is { } only ? store.ReadTable(only) : dialect.Events;
        var (rows, nodes, reader) = Read(table, where, order, request.Limit + 1, request.MaxBytes, cancel);
        var result = new QueryResult<SearchPage>(reader);
        var page = SearchPage.From(rows, request, 0, reader.CutByBytes);
        if (page.Next is { } next)
        {
            page = page with { Next = next with { SnapshotSeq = nodes[page.Rows.Count - 1] } };
        }

        result.Value = page;
        return result;
    }

    /// <summary>The event with this id that its node stored last (across nodes, the one with the highest seq).</summary>
    public QueryResult<EventRow?> Find(string id)
    {
        var where = new SqlWhere(dialect);
        where.Equal(FieldCatalog.Get(FieldTag.Id).Name, id);
        var (rows, _, reader) = Read(dialect.Events, where, $"{Column(PartSchema.Seq)} DESC, {Column(PartSchema.Timestamp)} DESC", 1, long.MaxValue, CancellationToken.None);
        return new QueryResult<EventRow?>(reader) { Value = rows.Count > 0 ? rows[0] : null };
    }

    /// <summary>Every event of a trace, oldest first, at most as many as a search page may hold and <paramref name="maxBytes"/> of them.</summary>
    public QueryResult<TraceEvents> Trace(string traceId, long maxBytes)
    {
        var where = new SqlWhere(dialect);
        where.Equal(FieldCatalog.Get(FieldTag.TraceId).Name, traceId);
        var order = $"{Column(PartSchema.Timestamp)}, {Column(PartSchema.Seq)}, node_key";
        var (rows, _, reader) = Read(dialect.Events, where, order, maxTraceEvents + 1, maxBytes, CancellationToken.None);
        var truncated = reader.CutByBytes;
        if (rows.Count > maxTraceEvents)
        {
            rows.RemoveRange(maxTraceEvents, rows.Count - maxTraceEvents);
            truncated = true;
        }

        return new QueryResult<TraceEvents>(reader) { Value = new TraceEvents(rows, truncated) };
    }

    /// <summary>
    /// The matching events in order, in two steps: their keys first (time, seq, node: few columns, however many rows
    /// the filter reads), then the whole rows of just those keys, found by PREWHERE on the two key columns within the
    /// keys' time range, so every other column is read only around those rows. In one step ClickHouse would read
    /// every column of every row the filter looks at (18.16 moves nothing to PREWHERE through the Merge table).
    /// </summary>
    private (List<EventRow> Rows, List<long> Nodes, PartRowReader Reader) Read(string from, SqlWhere where, string order, int limit, long maxBytes, CancellationToken cancel)
    {
        var ts = Column(PartSchema.Timestamp);
        var seq = Column(PartSchema.Seq);
        var keys = statements.Query($"SELECT {ts}, {seq}, {NodeKey} AS node_key FROM {from} {where} ORDER BY {order} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", where.Values, cancel);
        var reader = new PartRowReader();
        if (keys.Rows.Count == 0)
        {
            return ([], [], reader);
        }

        try
        {
            var times = keys.Rows.Select(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)).ToList();
            var pairs = string.Join(", ", keys.Rows.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"({Convert.ToInt64(r[1], CultureInfo.InvariantCulture)}, {Convert.ToInt64(r[2], CultureInfo.InvariantCulture)})")));
            var table = statements.Query(string.Create(CultureInfo.InvariantCulture,
                $"SELECT {Select} FROM {from} PREWHERE ({seq}, {NodeKey}) IN ({pairs}) WHERE {ts} >= {times.Min()} AND {ts} <= {times.Max()} ORDER BY {order}"), cancel);
            var count = reader.ReadAll(new ClickHouseRowsReader(table), cancel, maxBytes);
            var nodes = table.Rows.Take(count).Select(r => Convert.ToInt64(r[^1], CultureInfo.InvariantCulture)).ToList();
            return (reader.Rows(), nodes, reader);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }
}
