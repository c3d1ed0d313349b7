using System.Diagnostics;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Analytics;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Sql;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// The query language and formulas on ClickHouse: the embedded engine's <see cref="SqlCompiler"/> and
/// <see cref="FormulaEngine"/> with <see cref="ClickHouseSqlDialect"/>, answers capped as the embedded engine caps
/// them (<c>Query:MaxRows</c>, <c>Query:MaxAnswerMb</c>).
/// </summary>
internal sealed class ClickHouseAnalytics(ClickHouseStatements statements, ClickHouseSqlDialect dialect, QueryOptions options, IClock clock) : IFormulaRows
{
    private long MaxAnswerBytes => options.MaxAnswerMb * 1024L * 1024;

    public ISqlDialect Dialect => dialect;

    public long NowMs => clock.UnixMilliseconds;

    /// <summary>Always: whether any stored event is sampled is not known here, and a sum of weights counts unsampled events right.</summary>
    public bool Weighted => true;

    public QueryAnswer Run(ParsedQuery query, QueryBounds within, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        var now = NowMs;
        if (within.Start != long.MinValue || within.End != long.MaxValue)
        {
            var range = TimeFilter.Between(within.Start, within.End);
            query = query with { Filter = query.Filter is null ? range : new AndFilter(query.Filter, range) };
        }

        if (query.Pipes is [PatternsPipe, ..])
        {
            throw new QueryUnavailableException("the patterns pipe needs the node's pattern templates; it is answered from the node's own store, not ClickHouse");
        }

        var compiled = SqlCompiler.Compile(query, dialect, now, options.MaxRows, Weighted);
        var table = statements.Query(compiled.Sql, compiled.Values, cancel);
        QueryAnswer answer;
        if (compiled.ReturnsEvents)
        {
            var events = new PartRowReader();
            var count = events.ReadAll(new ClickHouseRowsReader(table), cancel, MaxAnswerBytes);
            answer = QueryAnswer.OfEvents(events, count, options.MaxRows);
        }
        else
        {
            var rows = AnswerRows.Read(new ClickHouseRowsReader(table), options.MaxRows, MaxAnswerBytes, cancel);
            TypeBooleans(compiled.Columns, rows.List);
            if (StoredCountShape.Matches(query, out var counted) && counted is not null)
            {
                StoredCountShape.Order(rows.List);
            }
            answer = QueryAnswer.Table(compiled.Columns, rows, options.MaxRows);
        }

        answer.Timings.EngineMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return answer;
    }

    public List<object?[]> RunRows(string sql, IReadOnlyList<object> values, QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, CancellationToken cancel) =>
        AnswerRows.Read(new ClickHouseRowsReader(statements.Query(sql, values, cancel)), int.MaxValue - 1, MaxAnswerBytes, cancel).List;

    /// <summary>ClickHouse keeps booleans as UInt8: a column of a boolean field reads as true and false, as in the embedded engine.</summary>
    private static void TypeBooleans(IReadOnlyList<OutputColumn> columns, List<object?[]> rows)
    {
        for (var c = 0; c < columns.Count; c++)
        {
            if (!QueryField.Resolve(columns[c].Name).IsBoolean)
            {
                continue;
            }

            foreach (var row in rows)
            {
                if (row[c] is long n)
                {
                    row[c] = n != 0;
                }
            }
        }
    }
}
