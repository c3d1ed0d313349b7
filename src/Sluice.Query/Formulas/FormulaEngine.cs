using Sluice.Core.Events;
using System.Globalization;
using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Query.Sql;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Formulas;

/// <summary>A formula's value over the whole range, or one point per time bucket.</summary>
public sealed record FormulaResult(double? Value, IReadOnlyList<(long BucketStart, double? Value)>? Series);

/// <summary>
/// Runs a formula as one scan: every aggregation becomes one filtered aggregate of a single SELECT over the range
/// (grouped by bucket when asked), and the arithmetic is done on the answers. Division by zero gives null, and so
/// does any aggregate of no events but <c>count</c> and <c>rate</c>, which are 0.
/// </summary>
public sealed class FormulaEngine(IFormulaRows analytics)
{
    public const int MaxBuckets = 10_000;

    public FormulaResult Execute(string formula, long startMs, long endMs, long? bucketMs, Filter? scope, bool includeArchive, CancellationToken cancel)
    {
        var (root, aggregations) = FormulaParser.Parse(formula);
        if (bucketMs is { } size && (endMs - startMs) / size > MaxBuckets)
        {
            throw new QueryException(1, $"the range holds more than {MaxBuckets} buckets of {Durations.Format(size)}; choose a larger bucket");
        }

        var dialect = analytics.Dialect;
        var now = analytics.NowMs;
        var where = new SqlWhere(dialect);
        var ts = dialect.Identifier(PartSchema.Timestamp);
        var select = new List<string>();
        if (bucketMs is { } bin)
        {
            select.Add($"({ts} - ({ts} % {bin.ToString(CultureInfo.InvariantCulture)}))");
        }

        var groupBy = bucketMs is null ? "" : " GROUP BY " + dialect.SelectItem(1, select[0]);

        var weighted = analytics.Weighted;
        foreach (var aggregation in aggregations)
        {
            select.Add(Call(aggregation, dialect, aggregation.Filter is { } filter ? SqlCompiler.Condition(filter, where, now) : null, weighted));
        }

        where.Add($"{ts} >= {where.Bind(startMs)}");
        where.Add($"{ts} < {where.Bind(endMs)}");
        if (scope is not null)
        {
            where.Add(SqlCompiler.Condition(scope, where, now));
        }

        var sql = $"SELECT {string.Join(", ", select)} FROM {dialect.Events} {where}{groupBy}";
        var bounds = QueryBounds.Of(scope, now).Within(startMs, endMs);
        var predicate = scope is null ? null : new RowPredicate(scope, now);
        var columns = ReferencedColumns.Of(new ParsedQuery(scope, []), returnsEvents: false);
        if (weighted)
        {
            ReferencedColumns.MarkWeight(columns); // count() counts by sample weight
        }
        foreach (var aggregation in aggregations)
        {
            ReferencedColumns.Mark(aggregation.Filter, columns);
            if (aggregation.Field is { } field)
            {
                ReferencedColumns.Mark(field, columns);
            }
        }

        var rows = analytics.RunRows(sql, where.Values, bounds, predicate, columns, includeArchive, cancel);

        if (bucketMs is not { } width)
        {
            return new FormulaResult(Evaluate(root, aggregations, rows.Count > 0 ? rows[0] : null, 0, endMs - startMs), null);
        }

        var byBucket = rows.ToDictionary(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture));
        var series = new List<(long, double?)>();
        for (var bucket = startMs - (startMs % width); bucket < endMs; bucket += width)
        {
            // Edge buckets only partly inside the range: rate divides by the part that was counted.
            var covered = Math.Min(bucket + width, endMs) - Math.Max(bucket, startMs);
            series.Add((bucket, Evaluate(root, aggregations, byBucket.GetValueOrDefault(bucket), 1, covered)));
        }

        return new FormulaResult(null, series);
    }

    /// <summary>
    /// One aggregation. Its filter attaches to the aggregate call itself — <c>CAST(sum(x) FILTER (WHERE …) AS DOUBLE)</c>
    /// — since the engine takes FILTER only right after an aggregate, not after the CAST around it.
    /// </summary>
    private static string Call(AggregationNode node, ISqlDialect dialect, string? condition, bool weighted)
    {
        string Filtered(string aggregate) => condition is null ? aggregate : dialect.AggregateWhere(aggregate, condition);

        if (node.Field is not { } field)
        {
            // count and rate: received events, each sampled one by its weight; no match reads as 0 (Evaluate).
            return weighted
                ? $"CAST({Filtered(SqlCompiler.WeightSum(dialect))} AS DOUBLE)"
                : $"CAST({Filtered("count(*)")} AS DOUBLE)";
        }

        var number = SqlCompiler.Number(field, dialect);
        return node.Function switch
        {
            "sum" => $"CAST({Filtered($"sum({number})")} AS DOUBLE)",
            "avg" => Filtered($"avg({number})"),
            "min" => $"CAST({Filtered($"min({number})")} AS DOUBLE)",
            "max" => $"CAST({Filtered($"max({number})")} AS DOUBLE)",
            _ => Filtered($"count(DISTINCT {SqlCompiler.Expression(field, dialect)})"),
        };
    }

    /// <param name="row">The aggregates' values, from <paramref name="offset"/> on; null when no event fell there.</param>
    /// <param name="spanMs">The time the values cover, which <c>rate</c> divides by.</param>
    private static double? Evaluate(FormulaNode node, IReadOnlyList<AggregationNode> aggregations, object?[]? row, int offset, long spanMs)
    {
        switch (node)
        {
            case NumberNode number:
                return number.Value;
            case NegateNode negate:
                return -Evaluate(negate.Inner, aggregations, row, offset, spanMs);
            case BinaryNode binary:
                var left = Evaluate(binary.Left, aggregations, row, offset, spanMs);
                var right = Evaluate(binary.Right, aggregations, row, offset, spanMs);
                if (left is not { } l || right is not { } r)
                {
                    return null;
                }

                return binary.Op switch
                {
                    '+' => l + r,
                    '-' => l - r,
                    '*' => l * r,
                    _ => r == 0 ? null : l / r,
                };
            case AggregationNode aggregation:
                var index = IndexOf(aggregations, aggregation);
                var value = row?[offset + index] is { } raw ? Convert.ToDouble(raw, CultureInfo.InvariantCulture) : (double?)null;
                return aggregation.Function switch
                {
                    "count" or "count_distinct" => value ?? 0,
                    "rate" => (value ?? 0) * aggregation.WindowMs / spanMs,
                    _ => value,
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(node));
        }
    }

    private static int IndexOf(IReadOnlyList<AggregationNode> aggregations, AggregationNode node)
    {
        for (var i = 0; i < aggregations.Count; i++)
        {
            if (ReferenceEquals(aggregations[i], node))
            {
                return i;
            }
        }

        throw new InvalidOperationException("an aggregation the parser did not list");
    }
}
