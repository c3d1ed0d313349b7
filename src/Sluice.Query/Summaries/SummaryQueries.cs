using Sluice.Core.Events;
using Sluice.Query.Sql;
using Sluice.Storage;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Summaries;

/// <summary>
/// Summaries of a time range: whole sealed hours come from the summaries stored beside their parts (no event is
/// read again), hours cut by the range edge are counted by the engine, and events not yet sealed are counted from
/// the hot tier. The split is at the manifest's <c>persisted_through_seq</c> P of one <see cref="StorageSnapshot"/>:
/// its parts hold exactly the events ≤ P, and its memory every event above it.
/// </summary>
public sealed class SummaryQueries(EventStore store, ISqlDialect dialect)
{
    private static readonly string[] LogFields = ["level", "service", "system", "category"];

    /// <param name="filter">
    /// A query-language filter (<c>query=</c>). Stored summaries cannot be filtered, so with one every part in range
    /// is counted by the engine with the filter's SQL, and rows in memory by its row predicate.
    /// </param>
    /// <param name="nowMs">The clock a relative filter (<c>_time:1h</c>) counts back from.</param>
    public PartSummary Summarize(EventKind kind, long startMs, long endMs, bool includeArchive, Language.Filter? filter = null, long nowMs = 0)
    {
        using var snapshot = store.OpenSnapshot();
        var summary = new PartSummary();
        var edges = new List<PartInfo>();
        foreach (var part in snapshot.Parts)
        {
            if (part.Kind != kind || (!includeArchive && part.Tier == PartTier.Archive)
                || part.HourStart + PartInfo.HourMs <= startMs || part.HourStart >= endMs)
            {
                continue;
            }

            if (filter is null && part.HourStart >= startMs && part.HourStart + PartInfo.HourMs <= endMs)
            {
                summary.Merge(snapshot.StatsOf(part).Summary);
            }
            else
            {
                edges.Add(part);
            }
        }

        CountEdges(snapshot, summary, edges, startMs, endMs, filter, nowMs);
        var predicate = filter is null ? null : new Language.RowPredicate(filter, nowMs);
        UnsealedRows.ForEach(snapshot, kind, startMs, endMs, row =>
        {
            if (predicate is null || predicate.Matches(row))
            {
                summary.Add(row.Span);
            }
        });

        return summary;
    }

    /// <summary>Counts the events of parts only partly inside the range (hours cut by its edges) with the engine.</summary>
    private void CountEdges(StorageSnapshot snapshot, PartSummary summary, List<PartInfo> parts, long startMs, long endMs, Language.Filter? filter, long nowMs)
    {
        if (parts.Count == 0)
        {
            return;
        }

        var fields = LogFields.Concat(PartSummary.CountedFields.Select(f => FieldCatalog.Get(f).Name)).Distinct().ToArray();
        var source = dialect.Source([.. parts.Select(p => p.Path)]);
        using var connection = snapshot.Engine.Rent();
        foreach (var field in fields)
        {
            var where = InRange(startMs, endMs, filter, nowMs);
            var column = dialect.Identifier(field);
            // Sampled events count by their weight, as in the stored summaries (PartSummary.Add).
            using var command = connection.Command($"SELECT {column}, CAST({Language.SqlCompiler.WeightSum(dialect)} AS BIGINT) FROM {source} {where} GROUP BY {column}", where.Values);
            using var reader = command.ExecuteReader();
            long total = 0;
            while (reader.Read())
            {
                var n = reader.GetInt64(1);
                total += n;
                if (!reader.IsDBNull(0))
                {
                    summary.Count(field, reader.GetString(0), n);
                }
            }

            if (field == "level")
            {
                summary.Total += total;
            }
        }

        // Distinct IPs of the edge hours: added to the sketch from the hashes themselves.
        var ipWhere = InRange(startMs, endMs, filter, nowMs);
        ipWhere.Add($"{dialect.Identifier("ip_hash")} IS NOT NULL");
        using var ips = connection.Command($"SELECT DISTINCT {dialect.Identifier("ip_hash")} FROM {source} {ipWhere}", ipWhere.Values);
        using var ipReader = ips.ExecuteReader();
        while (ipReader.Read())
        {
            summary.Ips.Add(FieldHash.Of64(System.Text.Encoding.UTF8.GetBytes(ipReader.GetString(0))));
        }
    }

    private SqlWhere InRange(long startMs, long endMs, Language.Filter? filter, long nowMs)
    {
        var where = new SqlWhere(dialect);
        var ts = dialect.Identifier(PartSchema.Timestamp);
        where.Add($"{ts} >= {where.Bind(startMs)}");
        where.Add($"{ts} < {where.Bind(endMs)}");
        if (filter is not null)
        {
            where.Add(Language.SqlCompiler.Condition(filter, where, nowMs));
        }

        return where;
    }
}
