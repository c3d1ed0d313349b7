using Sluice.Core.Errors;

namespace Sluice.Query.Analytics;

/// <summary>
/// Admits custom SQL only as one read-only SELECT over the views <c>events</c>, <c>logs</c> and <c>traffic</c>.
/// It reads the statement as tokens (strings, quoted names and comments cannot hide a word): one statement that starts
/// with SELECT or WITH; no word that writes, loads, attaches or configures; every FROM and JOIN names a view, a WITH
/// query or a subquery; every function called is on an allow-list; no catalog or schema is named. The engine it then
/// runs on is sandboxed as well (no file but the parts, no network, locked settings), so a gap here is not a hole.
/// </summary>
public static class SqlGuard
{
    public const int MaxLength = 64 * 1024;

    private static readonly HashSet<string> Views = ["events", "logs", "traffic"];

    private static readonly HashSet<string> Forbidden =
    [
        "copy", "attach", "detach", "pragma", "install", "load", "set", "reset", "create", "insert", "update", "delete",
        "drop", "alter", "export", "import", "call", "checkpoint", "vacuum", "use", "begin", "commit", "rollback",
        "truncate", "grant", "revoke", "merge", "describe", "show", "summarize", "explain", "prepare", "execute",
        "deallocate", "upsert", "secret",
    ];

    private static readonly HashSet<string> Schemas = ["information_schema", "pg_catalog", "main", "temp", "system", "memory"];

    /// <summary>Words that may stand before a parenthesis without being a function call.</summary>
    private static readonly HashSet<string> Keywords =
    [
        "select", "from", "where", "group", "by", "having", "order", "limit", "offset", "qualify", "window", "with",
        "recursive", "as", "on", "using", "join", "inner", "left", "right", "full", "outer", "cross", "natural", "lateral",
        "union", "except", "intersect", "all", "any", "some", "distinct", "in", "exists", "not", "and", "or", "is", "null",
        "between", "like", "ilike", "similar", "case", "when", "then", "else", "end", "cast", "try_cast", "extract",
        "over", "partition", "filter", "within", "values", "asc", "desc", "nulls", "first", "last", "interval", "true",
        "false", "rows", "range", "preceding", "following", "unbounded", "current", "row", "escape", "semi", "anti",
        "positional", "asof", "struct", "list", "map", "array",
        // type names that take parameters: CAST(x AS DECIMAL(10, 2))
        "decimal", "numeric", "varchar", "char",
    ];

    private static readonly HashSet<string> Functions =
    [
        // aggregates
        "count", "sum", "avg", "mean", "min", "max", "median", "mode", "quantile", "quantile_cont", "quantile_disc",
        "approx_count_distinct", "approx_quantile", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
        "var_samp", "count_if", "first", "last", "any_value", "arg_min", "arg_max", "argmin", "argmax", "min_by", "max_by",
        "bool_and", "bool_or", "string_agg", "group_concat", "list", "histogram", "product", "entropy", "kurtosis", "skewness",
        "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept",
        // windows
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value",
        // numbers
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sqrt", "cbrt", "ln", "log", "log10", "log2", "exp", "pow",
        "power", "sign", "mod", "greatest", "least", "isnan", "isinf", "isfinite", "random", "bit_count",
        // conditionals
        "coalesce", "nullif", "ifnull", "if", "iif",
        // text
        "lower", "upper", "lcase", "ucase", "length", "len", "strlen", "char_length", "character_length", "substr",
        "substring", "left", "right", "trim", "ltrim", "rtrim", "lpad", "rpad", "replace", "concat", "concat_ws",
        "split_part", "string_split", "starts_with", "ends_with", "prefix", "suffix", "contains", "position", "strpos",
        "instr", "regexp_matches", "regexp_extract", "regexp_replace", "regexp_full_match", "reverse", "repeat", "ascii",
        "chr", "format", "printf", "md5", "hash", "levenshtein", "jaro_winkler_similarity", "array_length", "unnest",
        "json_extract", "json_extract_string", "json_extract_path", "json_extract_path_text", "json_exists", "json_keys",
        "json_value", "json_array_length", "to_json", "list_value", "list_contains", "array_contains",
        // time
        "epoch_ms", "epoch", "epoch_us", "to_timestamp", "make_timestamp", "make_date", "strftime", "strptime",
        "date_trunc", "datetrunc", "date_part", "datepart", "time_bucket", "date_diff", "datediff", "date_sub", "datesub",
        "date_add", "age", "year", "month", "day", "hour", "minute", "second", "millisecond", "dayofweek", "dayofyear",
        "week", "weekday", "isodow", "quarter", "now", "today", "current_date", "current_timestamp", "to_milliseconds",
        "to_seconds", "to_minutes", "to_hours", "to_days",
    ];

    /// <summary>The statement without a trailing semicolon, or a <see cref="SqlRejectedException"/>.</summary>
    public static string Check(string sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, 1, "the SQL is empty");
        }

        if (sql.Length > MaxLength)
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, MaxLength, $"the SQL is longer than {MaxLength} characters");
        }

        var tokens = SqlTokenizer.Read(sql);
        if (tokens.Count == 0)
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, 1, "the SQL holds only comments");
        }

        var end = tokens.Count;
        if (end > 0 && tokens[end - 1].Is(";"))
        {
            end--;
        }

        if (end == 0 || !(tokens[0].IsWord("select") || tokens[0].IsWord("with")))
        {
            throw Forbid(tokens[0], "only a SELECT (or WITH … SELECT) can run here");
        }

        var ctes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 2 < end; i++)
        {
            if (tokens[i].Kind is TokenKind.Word or TokenKind.QuotedName && tokens[i + 1].IsWord("as") && tokens[i + 2].Is("("))
            {
                ctes.Add(tokens[i].Name);
            }
        }

        // Per parenthesis level: whether a FROM list is open there (its commas then introduce more tables).
        var fromOpen = new Stack<bool>();
        fromOpen.Push(false);
        var expectTable = false;
        for (var i = 0; i < end; i++)
        {
            var token = tokens[i];
            var next = i + 1 < end ? tokens[i + 1] : default;
            if (token.Is(";"))
            {
                throw Forbid(token, "only one statement can run; remove the ';'");
            }

            if (token.Kind is TokenKind.Parameter)
            {
                throw Forbid(token, "parameters ($1, ?) are not accepted; write the values");
            }

            var joinList = false;
            if (expectTable)
            {
                expectTable = false;
                if (token.IsWord("lateral"))
                {
                    expectTable = true;
                    continue;
                }

                if (token.Is("("))
                {
                    // A subquery, or a parenthesised join whose first item is again a table.
                    joinList = !next.IsWord("select") && !next.IsWord("with") && !next.IsWord("values");
                    expectTable = joinList;
                }
                else if (!(token.Kind is TokenKind.Word or TokenKind.QuotedName && (Views.Contains(token.Name) || ctes.Contains(token.Name)) && !next.Is("(") && !next.Is(".")))
                {
                    throw Forbid(token, "FROM and JOIN may name only the views events, logs and traffic, a WITH query or a subquery");
                }
            }

            if (token.Kind == TokenKind.Word)
            {
                var word = token.Name;
                if (Forbidden.Contains(word))
                {
                    throw Forbid(token, $"'{token.Text}' is not allowed: custom SQL only reads");
                }

                if (word.StartsWith("duckdb_", StringComparison.Ordinal) || word.StartsWith("pragma_", StringComparison.Ordinal)
                    || word.StartsWith("sqlite_", StringComparison.Ordinal) || (Schemas.Contains(word) && next.Is(".")))
                {
                    throw Forbid(token, $"'{token.Text}' names the engine's catalog, which custom SQL cannot read");
                }

                if (word is "from" or "join")
                {
                    expectTable = true;
                    fromOpen.Push(fromOpen.Pop() || word == "from");
                }
                else if (word is "where" or "group" or "having" or "order" or "limit" or "offset" or "qualify" or "window" or "union" or "except" or "intersect" or "select")
                {
                    fromOpen.Pop();
                    fromOpen.Push(false);
                }
            }

            if (token.Is(",") && fromOpen.Peek())
            {
                expectTable = true;
            }

            if (next.Is("(") && token.Kind is TokenKind.Word or TokenKind.QuotedName && !IsAllowedCall(token, i > 0 ? tokens[i - 1] : default))
            {
                throw Forbid(token, $"function '{token.Text}' is not available in custom SQL");
            }

            if (token.Is("("))
            {
                fromOpen.Push(joinList);
            }
            else if (token.Is(")") && fromOpen.Count > 1)
            {
                fromOpen.Pop();
            }
        }

        return sql[..(end == tokens.Count ? sql.Length : tokens[end].Start)];
    }

    /// <summary>A word of SQL's own (never a name).</summary>
    public static bool IsKeyword(string word) => Keywords.Contains(word.ToLowerInvariant()) || Forbidden.Contains(word.ToLowerInvariant());

    /// <summary>
    /// A name before "(" must be a keyword or an allowed function — never a quoted name, a WITH query's name (a CTE
    /// named like a function must not make the function callable) or a method-style call (<c>x.f(</c>).
    /// </summary>
    private static bool IsAllowedCall(SqlToken token, SqlToken previous) =>
        token.Kind == TokenKind.Word && !previous.Is(".") && (Keywords.Contains(token.Name) || Functions.Contains(token.Name));

    private static SqlRejectedException Forbid(SqlToken token, string reason) => new(ErrorCodes.ForbiddenSql, token.Start + 1, reason);
}

/// <summary>Custom SQL refused before it ran; <see cref="Position"/> is 1-based.</summary>
public sealed class SqlRejectedException(string code, int position, string reason) : Exception($"at character {position}: {reason}")
{
    public string Code { get; } = code;

    public int Position { get; } = position;

    public string Reason { get; } = reason;
}
