using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Query.Language;
using Sluice.Query.Sql;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// The SQL Sluice generates (the language, formulas, searches), spelled for ClickHouse 18.16 and later. 18.16 takes no
/// bound parameters over HTTP, so a placeholder marks each value and <see cref="Inline"/> writes the values in as
/// escaped literals just before sending: values still never reach the SQL as text of the query.
/// </summary>
internal sealed partial class ClickHouseSqlDialect(string database) : ISqlDialect
{
    /// <summary>Placeholders hold characters no name, literal or keyword of generated SQL holds.</summary>
    private const char Mark = '\u0001';

    public string Events => $"{database}.{ClickHouseSchema.Events}";

    public string False => "0";

    /// <summary>18.16 reads <c>GROUP BY 1</c> as grouping by the constant 1: items are named by their expressions.</summary>
    public string SelectItem(int position, string expression) => expression;

    public string Source(IReadOnlyList<string> partPaths) => throw new NotSupportedException("ClickHouse reads its own tables, not parts");

    public string Identifier(string name) => '`' + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + '`';

    public string Parameter(int index) => $"{Mark}{index.ToString(CultureInfo.InvariantCulture)}{Mark}";

    /// <summary>Not <c>match(x, '(?i)…')</c>, which 18.16 answers wrongly (<see cref="ClickHouseDialect"/>).</summary>
    public string ContainsIgnoreCase(string column, string parameter) => $"(positionCaseInsensitiveUTF8({column}, {parameter}) > 0)";

    public object ContainsIgnoreCaseValue(string text) => text;

    /// <summary>ClickHouse's LIKE already reads <c>\</c> as its escape and has no ESCAPE clause.</summary>
    public string Like(string expression, string parameter) => $"({expression} LIKE {parameter})";

    /// <summary>18.16 has no JSON functions: attributes are read from the key and value arrays.</summary>
    public string AttributeText(string key)
    {
        if (!QueryParser.HasNameCharsOnly(key))
        {
            throw new ArgumentException($"attribute key '{key}' holds characters a query name cannot", nameof(key));
        }

        var literal = ClickHouseDialect.Literal(key);
        return $"if(has({ClickHouseSchema.AttributeKeys}, {literal}), {ClickHouseSchema.AttributeValues}[indexOf({ClickHouseSchema.AttributeKeys}, {literal})], NULL)";
    }

    /// <summary>Through text, so it takes strings and numbers alike; finite numbers only, as in the embedded engine.</summary>
    public string ToNumber(string expression)
    {
        var number = $"toFloat64OrNull(toString({expression}))";
        return $"if(isFinite({number}), {number}, NULL)";
    }

    /// <summary>
    /// <c>quantile</c> interpolates like DuckDB's <c>quantile_cont</c> over a sample of up to 8,192 values per group,
    /// so it is exact below that and an estimate above (18.16 has no exact interpolating quantile).
    /// </summary>
    public string Quantile(string expression, double q) => $"quantile({q.ToString("R", CultureInfo.InvariantCulture)})({expression})";

    /// <summary>The <c>-If</c> combinator: <c>sum(x)</c> becomes <c>sumIf(x, cond)</c>; a NULL condition counts as false.</summary>
    public string AggregateWhere(string aggregate, string condition)
    {
        var open = aggregate.IndexOf('(', StringComparison.Ordinal);
        var name = aggregate[..open];
        var arguments = aggregate[(open + 1)..^1].Trim();
        var when = $"ifNull({condition}, 0)";
        if (arguments == "*")
        {
            return $"{name}If({when})";
        }

        if (name.Equals("count", StringComparison.OrdinalIgnoreCase) && arguments.StartsWith("DISTINCT ", StringComparison.Ordinal))
        {
            return $"uniqExactIf({arguments["DISTINCT ".Length..]}, {when})";
        }

        return $"{name}If({arguments}, {when})";
    }

    /// <summary>Writes the bound values into <paramref name="sql"/> as literals.</summary>
    public static string Inline(string sql, IReadOnlyList<object> values) =>
        Placeholder().Replace(sql, m => Literal(values[int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture)]));

    public static string Literal(object value) => value switch
    {
        string text => ClickHouseDialect.Literal(text),
        bool flag => flag ? "1" : "0",
        long.MinValue => "toInt64('-9223372036854775808')",
        long or int => Convert.ToInt64(value, CultureInfo.InvariantCulture) is var n && n < 0
            ? $"({n.ToString(CultureInfo.InvariantCulture)})"
            : Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ulong n => n.ToString(CultureInfo.InvariantCulture),
        double d when double.IsFinite(d) => d < 0 ? $"({d.ToString("R", CultureInfo.InvariantCulture)})" : d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"a value of type {value.GetType().Name} cannot be bound", nameof(value)),
    };

    [GeneratedRegex("\u0001([0-9]+)\u0001")]
    private static partial Regex Placeholder();
}
