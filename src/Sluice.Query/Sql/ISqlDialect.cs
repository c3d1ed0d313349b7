namespace Sluice.Query.Sql;

/// <summary>
/// What differs between the engines Sluice generates SQL for: how the event source is named, how values are bound,
/// and the few functions without a standard spelling. DuckDB over Parquet parts now; ClickHouse implements it for
/// scale-out. Everything else in generated SQL is plain ANSI.
/// </summary>
public interface ISqlDialect
{
    /// <summary>The FROM source for these parts (for DuckDB, a read_parquet call over the files).</summary>
    string Source(IReadOnlyList<string> partPaths);

    /// <summary>The relation generated SQL reads every event from: the view <c>events</c>, or a database's table.</summary>
    string Events { get; }

    /// <summary>The false literal (ClickHouse 18.16 knows no <c>FALSE</c>).</summary>
    string False { get; }

    /// <summary>
    /// How GROUP BY and ORDER BY name the <paramref name="position"/>-th (1-based) item of the SELECT list, whose
    /// expression is <paramref name="expression"/>: by its position, or by the expression where positions are not read.
    /// </summary>
    string SelectItem(int position, string expression);

    /// <summary>A quoted column name.</summary>
    string Identifier(string name);

    /// <summary>Placeholder of the <paramref name="index"/>-th (0-based) bound value.</summary>
    string Parameter(int index);

    /// <summary>A case-insensitive substring test of <paramref name="column"/> against a bound string.</summary>
    string ContainsIgnoreCase(string column, string parameter);

    /// <summary>The value to bind for <see cref="ContainsIgnoreCase"/>'s parameter.</summary>
    object ContainsIgnoreCaseValue(string text);

    /// <summary>A case-sensitive LIKE of <paramref name="expression"/> against a bound pattern whose escape character is <c>\</c>.</summary>
    string Like(string expression, string parameter);

    /// <summary>The attribute <paramref name="key"/> as text (null when absent); keys are query-language names.</summary>
    string AttributeText(string key);

    /// <summary><paramref name="expression"/> as a finite floating-point number, null when it is not one.</summary>
    string ToNumber(string expression);

    /// <summary>The interpolated quantile <paramref name="q"/> of a numeric expression.</summary>
    string Quantile(string expression, double q);

    /// <summary>An aggregate call restricted to the rows that meet <paramref name="condition"/>.</summary>
    string AggregateWhere(string aggregate, string condition);
}
