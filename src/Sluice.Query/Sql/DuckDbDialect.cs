using System.Globalization;
using System.Text;
using Sluice.Query.Language;
using Sluice.Storage.Engine;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Sql;

/// <summary>DuckDB over the Parquet parts.</summary>
public sealed class DuckDbDialect : ISqlDialect
{
    public static readonly DuckDbDialect Instance = new();

    public string Source(IReadOnlyList<string> partPaths) => PartFiles.ReadExpression(partPaths);

    public string Events => Language.SqlCompiler.EventsView;

    public string False => "FALSE";

    public string SelectItem(int position, string expression) => position.ToString(CultureInfo.InvariantCulture);

    public string Identifier(string name) => '"' + name.Replace("\"", "\"\"", StringComparison.Ordinal) + '"';

    public string Parameter(int index) => "$" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>regexp_matches(…, 'i')</c> on an escaped literal: 4.7× faster than ILIKE in the storage spike
    /// (184 ms against 868 ms over 2 M messages), and no wildcard in the text can change its meaning.
    /// </summary>
    public string ContainsIgnoreCase(string column, string parameter) => $"regexp_matches({column}, {parameter}, 'i')";

    public string AttributeText(string key) =>
        QueryParser.HasNameCharsOnly(key)
            ? $"json_extract_string({Identifier(PartSchema.Attributes)}, {DuckDbEngine.Literal("$.\"" + key + "\"")})"
            : throw new ArgumentException($"attribute key '{key}' holds characters a query name cannot", nameof(key));

    public string Like(string expression, string parameter) => $"{expression} LIKE {parameter} ESCAPE '\\'";

    /// <summary>Finite numbers only: TRY_CAST also reads 'NaN' and 'inf', which compare above every number here and not in C#.</summary>
    public string ToNumber(string expression) =>
        $"(CASE WHEN isfinite(TRY_CAST({expression} AS DOUBLE)) THEN TRY_CAST({expression} AS DOUBLE) END)";

    public string Quantile(string expression, double q) => $"quantile_cont({expression}, {q.ToString("R", CultureInfo.InvariantCulture)})";

    public string AggregateWhere(string aggregate, string condition) => $"{aggregate} FILTER (WHERE {condition})";

    public object ContainsIgnoreCaseValue(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is > ' ' and < (char)127 && !char.IsAsciiLetterOrDigit(c))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
