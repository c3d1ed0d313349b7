using System.Globalization;
using System.Text;
using Sluice.Core.Events;
using Sluice.Query.Partitions;
using Sluice.Query.Sql;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Language;

/// <summary>
/// Compiles a parsed query to SQL for a dialect. The filter becomes the WHERE of a scan of <c>events</c>; each pipe
/// wraps what came before in one more SELECT. Every value from the query is bound, never spliced; names reach the
/// SQL only as quoted identifiers of columns that exist or attribute keys made of name characters.
/// Conditions under NOT are two-valued (an absent field is false, never NULL), so <c>NOT</c> means what the C#
/// evaluator (<see cref="RowPredicate"/>) says it means.
/// </summary>
public sealed class SqlCompiler
{
    public const string EventsView = "events";

    private readonly ISqlDialect _dialect;
    private readonly SqlWhere _values;
    private readonly long _nowMs;
    private readonly bool _weighted;

    private SqlCompiler(SqlWhere values, long nowMs, bool weighted = true)
    {
        _dialect = values.Dialect;
        _values = values;
        _nowMs = nowMs;
        _weighted = weighted;
    }

    /// <summary>Compiles <paramref name="query"/>; a result of more than <paramref name="maxRows"/> rows is cut there (one extra row tells it was).</summary>
    /// <param name="weighted">Whether counts must read sample weights (false when no stored event carries one: a plain count is cheaper).</param>
    public static CompiledQuery Compile(ParsedQuery query, ISqlDialect dialect, long nowMs, int maxRows, bool weighted = true)
    {
        var compiler = new SqlCompiler(new SqlWhere(dialect), nowMs, weighted);
        var where = query.Filter is null ? "" : " WHERE " + compiler.Condition(query.Filter);
        var sql = $"SELECT * FROM {dialect.Events}{where}";
        List<OutputColumn>? columns = null;
        string? order = null;
        for (var i = 0; i < query.Pipes.Count; i++)
        {
            try
            {
                (sql, columns, order) = compiler.Apply(query.Pipes[i], sql, columns, order);
            }
            catch (QueryException e) when (i < query.PipePositions.Count)
            {
                throw new QueryException(query.PipePositions[i], e.Reason);
            }
        }

        var cap = (maxRows + 1).ToString(CultureInfo.InvariantCulture);
        if (columns is null)
        {
            order ??= compiler.DefaultOrder;
            return new CompiledQuery($"SELECT {PartRowReader.SelectList(dialect)} FROM ({sql}) AS q ORDER BY {order} LIMIT {cap}", compiler._values.Values, [], true);
        }

        var ordered = order is null ? "" : $" ORDER BY {order}";
        return new CompiledQuery($"SELECT * FROM ({sql}) AS q{ordered} LIMIT {cap}", compiler._values.Values, columns, false);
    }

    /// <summary>The condition of a filter alone, its values bound into <paramref name="values"/>.</summary>
    public static string Condition(Filter filter, SqlWhere values, long nowMs) => new SqlCompiler(values, nowMs).Condition(filter);

    /// <summary>A field's value as an expression over raw events.</summary>
    public static string Expression(QueryField field, ISqlDialect dialect) => field.Source switch
    {
        FieldSource.Timestamp => dialect.Identifier(PartSchema.Timestamp),
        FieldSource.Kind => dialect.Identifier(PartSchema.Kind),
        FieldSource.Level => dialect.Identifier(PartSchema.Level),
        FieldSource.Canonical => dialect.Identifier(field.Name),
        _ => dialect.AttributeText(field.Key),
    };

    /// <summary>A field's value as a number over raw events.</summary>
    public static string Number(QueryField field, ISqlDialect dialect) =>
        field.IsInteger ? Expression(field, dialect) : dialect.ToNumber(Expression(field, dialect));

    private string DefaultOrder => $"{Id(PartSchema.Timestamp)} DESC, {Id(PartSchema.Seq)} DESC";

    /// <param name="negated">
    /// Under an odd number of NOTs. Only there can NULL (an absent field) and FALSE differ — WHERE, AND and OR treat
    /// both as "no" — so only there are comparisons made two-valued; elsewhere the bare comparison lets the engine
    /// push the filter into the Parquet scan (COALESCE around every term cost ~50 % on a full-text scan).
    /// </param>
    private string Condition(Filter filter, bool negated = false) => filter switch
    {
        AndFilter or OrFilter => Chain(filter, negated),
        NotFilter not => $"(NOT {Condition(not.Inner, !negated)})",
        TextFilter text => Total(_dialect.ContainsIgnoreCase(Id("message"), _values.Bind(_dialect.ContainsIgnoreCaseValue(text.Text))), negated),
        TimeFilter time => TimeCondition(time),
        FieldFilter field => FieldCondition(field, negated),
        _ => throw new ArgumentOutOfRangeException(nameof(filter)),
    };

    /// <summary>
    /// A chain of one operator, as the parser nests it on the left (<c>a b c</c> is ((a AND b) AND c)), joined in one
    /// pass: building each level's text around the one below would copy the chain once per term (quadratic — a
    /// 1,000-term filter copied 30 MB).
    /// </summary>
    private string Chain(Filter filter, bool negated)
    {
        var isAnd = filter is AndFilter;
        var terms = new List<Filter>();
        var node = filter;
        while (true)
        {
            if (isAnd && node is AndFilter and)
            {
                terms.Add(and.Right);
                node = and.Left;
            }
            else if (!isAnd && node is OrFilter or)
            {
                terms.Add(or.Right);
                node = or.Left;
            }
            else
            {
                terms.Add(node);
                break;
            }
        }

        terms.Reverse();
        var text = new StringBuilder("(");
        for (var i = 0; i < terms.Count; i++)
        {
            text.Append(i == 0 ? "" : isAnd ? " AND " : " OR ").Append(Condition(terms[i], negated));
        }

        return text.Append(')').ToString();
    }

    private string TimeCondition(TimeFilter time)
    {
        var (start, end) = time.Resolve(_nowMs);
        var ts = Id(PartSchema.Timestamp);
        return $"({ts} >= {_values.Bind(start)} AND {ts} < {_values.Bind(end)})";
    }

    private string FieldCondition(FieldFilter filter, bool negated)
    {
        var field = filter.Field;
        var expression = Expression(field, _dialect);
        switch (filter.Op)
        {
            case MatchOp.Exists:
                return $"({expression} IS NOT NULL)";
            case MatchOp.Wildcard:
                return Total(_dialect.Like(expression, _values.Bind(WildcardPattern.ToLike(filter.Value))), negated);
            case MatchOp.Equal:
                object value = field.IsInteger ? long.Parse(filter.Value, CultureInfo.InvariantCulture)
                    : field.IsBoolean ? filter.Value == "true"
                    : filter.Value;
                return Total($"{expression} = {_values.Bind(value)}", negated);
        }

        if (field.Source == FieldSource.Level)
        {
            var levels = LevelsMatching(filter.Op, filter.Value).Select(l => _values.Bind(Levels.Name(l)));
            return Total($"{expression} IN ({string.Join(", ", levels)})", negated);
        }

        var number = double.Parse(filter.Value, CultureInfo.InvariantCulture);
        return Total($"{Number(field, _dialect)} {Operator(filter.Op)} {_values.Bind(number)}", negated);
    }

    /// <summary>The levels a comparison such as <c>level:&gt;=warn</c> admits, in severity order.</summary>
    public static IEnumerable<EventLevel> LevelsMatching(MatchOp op, string levelName)
    {
        Levels.TryParse(Encoding.UTF8.GetBytes(levelName), out var pivot);
        return Enum.GetValues<EventLevel>().Where(l => op switch
        {
            MatchOp.Greater => l > pivot,
            MatchOp.GreaterOrEqual => l >= pivot,
            MatchOp.Less => l < pivot,
            MatchOp.LessOrEqual => l <= pivot,
            _ => l == pivot,
        });
    }

    private (string Sql, List<OutputColumn>? Columns, string? Order) Apply(Pipe pipe, string source, List<OutputColumn>? columns, string? order)
    {
        switch (pipe)
        {
            case StatsPipe stats:
            {
                var select = new List<string>();
                var keys = new List<string>();
                var output = new List<OutputColumn>();
                foreach (var key in stats.By)
                {
                    var expression = key.Field is null ? Bin(key.BinMs, columns) : Column(key.Field, columns);
                    keys.Add(expression);
                    select.Add($"{expression} AS {Id(key.Name)}");
                    output.Add(new OutputColumn(key.Name, key.Field is null || IsTime(key.Field, columns)));
                }

                foreach (var aggregate in stats.Aggregates)
                {
                    select.Add($"{AggregateCall(aggregate, columns)} AS {Id(aggregate.Name)}");
                    output.Add(new OutputColumn(aggregate.Name, aggregate.Function is AggregateFunction.Min or AggregateFunction.Max && aggregate.Field is { } f && IsTime(f, columns)));
                }

                var groupBy = stats.By.Count == 0 ? "" : " GROUP BY " + string.Join(", ", keys.Select((k, i) => _dialect.SelectItem(i + 1, k)));
                var keyOrder = stats.By.Count == 0 ? null : string.Join(", ", stats.By.Select(k => $"{Id(k.Name)} NULLS LAST"));
                return ($"SELECT {string.Join(", ", select)} FROM ({source}) AS s{groupBy}", output, keyOrder);
            }

            case TopPipe top:
            {
                var expression = Column(top.Field, columns);
                var name = Id(top.Field.Name);
                var count = columns is null && _weighted ? EventCount(_dialect) : "count(*)";
                var sql = $"SELECT {expression} AS {name}, {count} AS {Id("count")} FROM ({source}) AS s WHERE {expression} IS NOT NULL GROUP BY {_dialect.SelectItem(1, expression)} ORDER BY {_dialect.SelectItem(2, Id("count"))} DESC, {_dialect.SelectItem(1, name)} LIMIT {top.Count}";
                return (sql, [new OutputColumn(top.Field.Name, IsTime(top.Field, columns)), new OutputColumn("count", false)], $"{Id("count")} DESC, {name}");
            }

            case SortPipe sort:
            {
                var keys = sort.Keys.Select(k => $"{SortExpression(k.Column, columns)} {(k.Descending ? "DESC" : "ASC")} NULLS LAST").ToList();
                // Ties keep a fixed order: raw events by time and seq, tables by their remaining columns.
                keys.Add(columns is null ? DefaultOrder : string.Join(", ", columns.Select(c => $"{Id(c.Name)} NULLS LAST")));
                var orderBy = string.Join(", ", keys);
                return ($"SELECT * FROM ({source}) AS s ORDER BY {orderBy}", columns, orderBy);
            }

            case LimitPipe limit:
            {
                var ordered = order ?? (columns is null ? DefaultOrder : null);
                var orderBy = ordered is null ? "" : $" ORDER BY {ordered}";
                return ($"SELECT * FROM ({source}) AS s{orderBy} LIMIT {limit.Count}", columns, ordered);
            }

            case FieldsPipe fields:
            {
                var select = fields.Fields.Select(f => $"{Column(f, columns)} AS {Id(f.Name)}");
                var output = fields.Fields.Select(f => new OutputColumn(f.Name, IsTime(f, columns))).DistinctBy(c => c.Name).ToList();
                var ordered = columns is null ? (order ?? DefaultOrder) : order;
                var orderBy = ordered is null ? "" : $" ORDER BY {ordered}";
                return ($"SELECT {string.Join(", ", select.Distinct())} FROM ({source}) AS s{orderBy}", output, null);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(pipe));
        }
    }

    /// <summary>
    /// The number of received events the rows stand for: each counts as its <c>sample_weight</c> (1 when unsampled),
    /// so a count over sampled traffic stays the count that arrived (docs/api.md, "Sample").
    /// </summary>
    public static string EventCount(ISqlDialect dialect) => $"COALESCE(CAST({WeightSum(dialect)} AS BIGINT), 0)";

    /// <summary>The aggregate under every weighted count: the rows' weights, 1 for an unsampled row.</summary>
    public static string WeightSum(ISqlDialect dialect) =>
        $"sum(COALESCE({dialect.Identifier(Sluice.Core.Events.FieldCatalog.Get(Sluice.Core.Events.FieldTag.SampleWeight).Name)}, 1))";

    private string AggregateCall(Aggregate aggregate, List<OutputColumn>? columns)
    {
        if (aggregate.Field is not { } field)
        {
            // Over events, a sampled event counts as the received events it stands for; over a previous pipe's rows, rows.
            return columns is null && _weighted ? EventCount(_dialect) : "count(*)";
        }

        var value = Column(field, columns);
        var number = columns is null ? Number(field, _dialect) : _dialect.ToNumber(value);
        return aggregate.Function switch
        {
            AggregateFunction.Count => $"count({value})",
            AggregateFunction.CountDistinct => $"count(DISTINCT {value})",
            AggregateFunction.Sum when columns is null && field.IsInteger => $"CAST(sum({value}) AS BIGINT)",
            AggregateFunction.Sum => $"sum({number})",
            AggregateFunction.Avg => $"avg({number})",
            AggregateFunction.Min => field.Source == FieldSource.Attribute && columns is null ? $"min({number})" : $"min({value})",
            AggregateFunction.Max => field.Source == FieldSource.Attribute && columns is null ? $"max({number})" : $"max({value})",
            AggregateFunction.Quantile => _dialect.Quantile(number, aggregate.Quantile!.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(aggregate)),
        };
    }

    private string Bin(long binMs, List<OutputColumn>? columns)
    {
        if (columns is not null)
        {
            throw new QueryException(1, "bin() groups raw events by time; it cannot follow stats, top or fields");
        }

        var ts = Id(PartSchema.Timestamp);
        var bin = binMs.ToString(CultureInfo.InvariantCulture);
        return $"({ts} - ({ts} % {bin}))";
    }

    /// <summary>A field over raw events, or a column of the table a previous pipe made.</summary>
    private string Column(QueryField field, List<OutputColumn>? columns)
    {
        if (columns is null)
        {
            return Expression(field, _dialect);
        }

        return columns.Any(c => c.Name == field.Name)
            ? Id(field.Name)
            : throw new QueryException(1, $"no column '{field.Name}' here; the previous pipe made {string.Join(", ", columns.Select(c => c.Name))}");
    }

    private string SortExpression(string name, List<OutputColumn>? columns) =>
        columns is null ? Expression(QueryField.Resolve(name), _dialect) : Column(QueryField.Resolve(name) with { Name = name }, columns);

    private static bool IsTime(QueryField field, List<OutputColumn>? columns) =>
        columns is null ? field.Source == FieldSource.Timestamp : columns.Any(c => c.Name == field.Name && c.IsTime);

    private string Id(string name) => _dialect.Identifier(name);

    /// <summary>Makes a comparison two-valued where that matters: NULL (an absent field) counts as false.</summary>
    private string Total(string condition, bool negated) => negated ? $"COALESCE({condition}, {_dialect.False})" : condition;

    private static string Operator(MatchOp op) => op switch
    {
        MatchOp.Greater => ">",
        MatchOp.GreaterOrEqual => ">=",
        MatchOp.Less => "<",
        _ => "<=",
    };
}
