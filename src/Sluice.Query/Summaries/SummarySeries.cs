using Sluice.Core.Events;
using Sluice.Query.Sql;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Summaries;

/// <summary>Counts of one summarised field (<c>level</c>, <c>decision</c> …) per time bucket, value by value.</summary>
/// <param name="Times">The start of each bucket, epoch ms.</param>
/// <param name="Values">Value → count per bucket, aligned with <paramref name="Times"/>.</param>
public sealed record SummarySeries(long[] Times, IReadOnlyDictionary<string, long[]> Values);

/// <summary>
/// A time series read the way summaries are: a sealed hour that falls whole into one bucket adds its stored
/// summary (no event is read again), the rest — hours cut by a bucket's edge, buckets under an hour — is counted by
/// the engine, and events not yet sealed from memory. The split is by the persisted seq, as for summaries.
/// </summary>
public sealed class SummarySeriesQueries(EventStore store, ISqlDialect dialect)
{
    /// <summary>The most buckets one series may have.</summary>
    public const int MaxBuckets = 2_000;

    /// <param name="field">A field stored summaries count: <c>level</c> or one of <see cref="PartSummary.CountedFields"/>.</param>
    public SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs)
    {
        var tag = Tag(field);
        var buckets = (int)Math.Min(MaxBuckets, Math.Max(1, (endMs - startMs + bucketMs - 1) / bucketMs));
        endMs = Math.Min(endMs, startMs + (buckets * bucketMs));
        var times = new long[buckets];
        for (var i = 0; i < buckets; i++)
        {
            times[i] = startMs + (i * bucketMs);
        }

        var values = new Dictionary<string, long[]>(StringComparer.Ordinal);
        void Add(string value, int bucket, long count)
        {
            if (!values.TryGetValue(value, out var counts))
            {
                values[value] = counts = new long[buckets];
            }

            counts[bucket] += count;
        }

        using var snapshot = store.OpenSnapshot();
        var wholeHours = bucketMs % PartInfo.HourMs == 0 && startMs % PartInfo.HourMs == 0;
        var edges = new List<PartInfo>();
        foreach (var part in snapshot.Parts)
        {
            if (part.Kind != kind || part.Tier == PartTier.Archive || part.HourStart + PartInfo.HourMs <= startMs || part.HourStart >= endMs)
            {
                continue;
            }

            if (wholeHours && part.HourStart >= startMs && part.HourStart + PartInfo.HourMs <= endMs)
            {
                var bucket = (int)((part.HourStart - startMs) / bucketMs);
                if (snapshot.StatsOf(part).Summary.Counts.TryGetValue(field, out var counted))
                {
                    foreach (var (value, count) in counted)
                    {
                        Add(value, bucket, count);
                    }
                }
            }
            else
            {
                edges.Add(part);
            }
        }

        if (edges.Count > 0)
        {
            var where = new SqlWhere(dialect);
            var ts = dialect.Identifier(PartSchema.Timestamp);
            where.Add($"{ts} >= {where.Bind(startMs)}");
            where.Add($"{ts} < {where.Bind(endMs)}");
            var column = dialect.Identifier(field);
            var bucketSql = $"CAST(({ts} - {where.Bind(startMs)}) // {where.Bind(bucketMs)} AS BIGINT)";
            using var connection = snapshot.Engine.Rent();
            using var command = connection.Command(
                $"SELECT {bucketSql}, {column}, CAST({Language.SqlCompiler.WeightSum(dialect)} AS BIGINT) FROM {dialect.Source([.. edges.Select(p => p.Path)])} {where} GROUP BY 1, 2",
                where.Values);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (!reader.IsDBNull(1))
                {
                    Add(reader.GetString(1), (int)reader.GetInt64(0), reader.GetInt64(2));
                }
            }
        }

        UnsealedRows.ForEach(snapshot, kind, startMs, endMs, memory =>
        {
            var row = memory.Span;
            var bucket = (int)((RowLayout.ReadTimestamp(row) - startMs) / bucketMs);
            if (tag is null)
            {
                Add(Levels.Name(RowLayout.ReadLevel(row)), bucket, RowReader.WeightOf(row));
            }
            else if (RowReader.TryGetString(row, tag.Value, out var value))
            {
                Add(System.Text.Encoding.UTF8.GetString(value), bucket, RowReader.WeightOf(row));
            }
        });

        return new SummarySeries(times, values);
    }

    /// <summary>The tag of a summarised field; null for <c>level</c>, which lives in the row's header.</summary>
    private static FieldTag? Tag(string field)
    {
        if (field == "level")
        {
            return null;
        }

        foreach (var tag in PartSummary.CountedFields)
        {
            if (FieldCatalog.Get(tag).Name == field)
            {
                return tag;
            }
        }

        throw new ArgumentException($"'{field}' is not a summarised field", nameof(field));
    }
}
