using System.Globalization;
using Sluice.Core.Events;
using Sluice.Query.Language;
using Sluice.Query.Sql;
using Sluice.Query.Summaries;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Summaries and series counted by ClickHouse from the kind's table: what the embedded engine reads off the summaries
/// stored beside its parts is one GROUP BY per summarised field here, each event by its sample weight.
/// </summary>
internal sealed class ClickHouseSummaries(ClickHouseStatements statements, ClickHouseSqlDialect dialect, ClickHouseStore store)
{
    private static readonly string[] Fields =
        ["level", .. PartSummary.CountedFields.Select(f => FieldCatalog.Get(f).Name).Where(f => f != "level")];

    public PartSummary Summarize(EventKind kind, long startMs, long endMs, Filter? filter, long nowMs)
    {
        var summary = new PartSummary();
        var weight = SqlCompiler.WeightSum(dialect);
        foreach (var field in Fields)
        {
            var where = InRange(startMs, endMs, filter, nowMs);
            var column = dialect.Identifier(field);
            var table = statements.Query($"SELECT {column}, CAST({weight} AS BIGINT) FROM {store.ReadTable(kind)} {where} GROUP BY {column}", where.Values, CancellationToken.None);
            foreach (var row in table.Rows)
            {
                var n = Convert.ToInt64(row[1], CultureInfo.InvariantCulture);
                if (field == "level")
                {
                    summary.Total += n;
                }

                if (row[0] is string value)
                {
                    summary.Count(field, value, n);
                }
            }
        }

        var ipWhere = InRange(startMs, endMs, filter, nowMs);
        var ip = dialect.Identifier("ip_hash");
        ipWhere.Add($"{ip} IS NOT NULL");
        foreach (var row in statements.Query($"SELECT DISTINCT {ip} FROM {store.ReadTable(kind)} {ipWhere}", ipWhere.Values, CancellationToken.None).Rows)
        {
            summary.Ips.Add(Sluice.Storage.Hot.FieldHash.Of64(System.Text.Encoding.UTF8.GetBytes((string)row[0]!)));
        }

        return summary;
    }

    /// <summary>As <see cref="SummarySeriesQueries.Series"/>: at most <see cref="SummarySeriesQueries.MaxBuckets"/> buckets from <paramref name="startMs"/>.</summary>
    public SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs)
    {
        if (field != "level" && !PartSummary.CountedFields.Any(f => FieldCatalog.Get(f).Name == field))
        {
            throw new ArgumentException($"'{field}' is not a summarised field", nameof(field));
        }

        var buckets = (int)Math.Min(SummarySeriesQueries.MaxBuckets, Math.Max(1, (endMs - startMs + bucketMs - 1) / bucketMs));
        endMs = Math.Min(endMs, startMs + (buckets * bucketMs));
        var times = new long[buckets];
        for (var i = 0; i < buckets; i++)
        {
            times[i] = startMs + (i * bucketMs);
        }

        var where = InRange(startMs, endMs, null, 0);
        var ts = dialect.Identifier(PartSchema.Timestamp);
        var bucket = $"intDiv({ts} - {where.Bind(startMs)}, {where.Bind(bucketMs)})";
        var column = dialect.Identifier(field);
        var table = statements.Query(
            $"SELECT {bucket}, {column}, CAST({SqlCompiler.WeightSum(dialect)} AS BIGINT) FROM {store.ReadTable(kind)} {where} AND {column} IS NOT NULL GROUP BY {bucket}, {column}",
            where.Values, CancellationToken.None);
        var values = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var value = (string)row[1]!;
            if (!values.TryGetValue(value, out var counts))
            {
                values[value] = counts = new long[buckets];
            }

            counts[Convert.ToInt32(row[0], CultureInfo.InvariantCulture)] += Convert.ToInt64(row[2], CultureInfo.InvariantCulture);
        }

        return new SummarySeries(times, values);
    }

    private SqlWhere InRange(long startMs, long endMs, Filter? filter, long nowMs)
    {
        var where = new SqlWhere(dialect);
        var ts = dialect.Identifier(PartSchema.Timestamp);
        where.Add($"{ts} >= {where.Bind(startMs)}");
        where.Add($"{ts} < {where.Bind(endMs)}");
        if (filter is not null)
        {
            where.Add(SqlCompiler.Condition(filter, where, nowMs));
        }

        return where;
    }
}
