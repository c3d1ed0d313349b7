using System.Runtime.InteropServices;
using Sluice.Core.Events;
using Sluice.Query.Sql;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Summaries;

/// <summary>
/// Counts of a time range from the parts' <see cref="SummaryDetail"/>, split as <see cref="SummaryQueries"/> splits
/// a summary: whole sealed hours from the details stored beside their parts, hours cut by the range's edges (and any
/// part without a detail, written before they existed) by the engine, events not yet sealed from memory — all from
/// one <see cref="StorageSnapshot"/>, so each event is counted once. Null when a part's detail cannot say exactly
/// (a value cap was reached): the caller asks the engine.
/// </summary>
public sealed class DetailQueries(EventStore store, ISqlDialect dialect)
{
    /// <summary>
    /// The counts of <paramref name="field"/>'s values (null key: events without it) among events whose
    /// <paramref name="primary"/> is <paramref name="primaryValue"/>.
    /// </summary>
    public Dictionary<string, long>? CountWithin(EventKind? kind, long startMs, long endMs, bool includeArchive, string primary, string primaryValue, string field)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        var isPrimary = RowValue.Of(primary);
        var of = RowValue.Of(field);
        var done = Read(kind, startMs, endMs, includeArchive,
            detail =>
            {
                var n = detail.CountWithin(primary, primaryValue, field, values);
                total += n ?? 0;
                return n is not null;
            },
            (connection, source, where) =>
            {
                // The edges: counted per value of the field, events without it (NULL) included.
                where.Add($"{dialect.Identifier(primary)} = {where.Bind(primaryValue)}");
                var column = dialect.Identifier(field);
                using var command = connection.Command($"SELECT {column}, CAST({Language.SqlCompiler.WeightSum(dialect)} AS BIGINT) FROM {source} {where} GROUP BY {column}", where.Values);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    total += reader.GetInt64(1);
                    if (!reader.IsDBNull(0))
                    {
                        Add(values, reader.GetString(0), reader.GetInt64(1));
                    }
                }
            },
            (row, weight) =>
            {
                if (isPrimary.Read(row) == primaryValue)
                {
                    total += weight;
                    if (of.Read(row) is { } value)
                    {
                        Add(values, value, weight);
                    }
                }
            });
        if (!done)
        {
            return null;
        }

        var named = values.Values.Sum();
        return named == total ? values : new Dictionary<string, long>(values) { [NullKey] = total - named };
    }

    /// <summary>The key under which <see cref="CountWithin"/> returns the events without the field (no value is a lone NUL).</summary>
    public const string NullKey = "\0";

    /// <summary>
    /// Events per bin of <paramref name="binMs"/> (a multiple of a minute), by the value of <paramref name="field"/>
    /// (null key: events without it) or, with no field, overall. Null when it cannot say, or when the cells pass
    /// <paramref name="maxCells"/>: they are counted part by part and the count stops there, so a month of one-minute
    /// bins by service never builds more than a part's worth of cells beyond the bound (the engine then answers,
    /// cutting its rows as it always does).
    /// </summary>
    public Dictionary<(long Bin, string? Value), long>? CountBins(EventKind? kind, long startMs, long endMs, bool includeArchive, long binMs, string? field, int maxCells)
    {
        var bins = new Dictionary<(long Bin, string? Value), long>();
        var of = field is null ? null : RowValue.Of(field);
        var done = Read(kind, startMs, endMs, includeArchive,
            detail => bins.Count <= maxCells && detail.CountMinutes(field, binMs, bins),
            (connection, source, where) =>
            {
                var ts = dialect.Identifier(PartSchema.Timestamp);
                var bin = $"({ts} - ({ts} % {binMs.ToString(System.Globalization.CultureInfo.InvariantCulture)}))";
                var value = field is null ? "NULL" : dialect.Identifier(field);
                using var command = connection.Command($"SELECT {bin}, {value}, CAST({Language.SqlCompiler.WeightSum(dialect)} AS BIGINT) FROM {source} {where} GROUP BY {dialect.SelectItem(1, bin)}, {dialect.SelectItem(2, value)}", where.Values);
                using var reader = command.ExecuteReader();
                while (bins.Count <= maxCells && reader.Read())
                {
                    Add(bins, (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)), reader.GetInt64(2));
                }
            },
            (row, weight) =>
            {
                if (bins.Count <= maxCells)
                {
                    var ts = RowLayout.ReadTimestamp(row);
                    Add(bins, (ts - (ts % binMs), of?.Read(row)), weight);
                }
            });
        return done && bins.Count <= maxCells ? bins : null;
    }

    /// <summary>
    /// Feeds each whole sealed part's detail to <paramref name="fromDetail"/> (false: it cannot say, give up), counts
    /// the rest of the parts in range with <paramref name="fromEngine"/> over one SQL source (its WHERE holds the range),
    /// and the rows above the persisted seq with <paramref name="fromRow"/>.
    /// </summary>
    private bool Read(EventKind? kind, long startMs, long endMs, bool includeArchive, Func<SummaryDetail, bool> fromDetail,
        Action<Storage.Engine.DuckDbEngine.Connection, string, SqlWhere> fromEngine, Action<ReadOnlySpan<byte>, long> fromRow)
    {
        using var snapshot = store.OpenSnapshot();
        var edges = new List<PartInfo>();
        foreach (var part in snapshot.Parts)
        {
            if ((kind is { } only && part.Kind != only) || (!includeArchive && part.Tier == PartTier.Archive)
                || part.HourStart + PartInfo.HourMs <= startMs || part.HourStart >= endMs)
            {
                continue;
            }

            var whole = part.HourStart >= startMs && part.HourStart + PartInfo.HourMs <= endMs;
            if (whole && snapshot.StatsOf(part).DecodeDetail() is { } detail)
            {
                if (!fromDetail(detail))
                {
                    return false;
                }
            }
            else
            {
                edges.Add(part);
            }
        }

        if (edges.Count > 0)
        {
            using var connection = snapshot.Engine.Rent();
            var where = new SqlWhere(dialect);
            var ts = dialect.Identifier(PartSchema.Timestamp);
            where.Add($"{ts} >= {where.Bind(startMs)}");
            where.Add($"{ts} < {where.Bind(endMs)}");
            fromEngine(connection, dialect.Source([.. edges.Select(p => p.Path)]), where);
        }

        UnsealedRows.ForEach(snapshot, kind, startMs, endMs, row => fromRow(row.Span, RowReader.WeightOf(row.Span)));
        return true;
    }

    private static void Add<TKey>(Dictionary<TKey, long> into, TKey key, long n)
        where TKey : notnull =>
        CollectionsMarshal.GetValueRefOrAddDefault(into, key, out _) += n;
}
