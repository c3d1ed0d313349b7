using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Core.Errors;
using Sluice.Storage.Engine;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Custom SQL that may run: the statement as the engine re-printed it, the event columns it can read, the rows it
/// can read (<see cref="SqlScope"/>), and whether the stored counts answer it (<see cref="SqlCountShape"/>, <see cref="SqlBinShape"/>, <see cref="SqlWithinShape"/>).
/// </summary>
public sealed record AdmittedSql(string Sql, bool[] Columns, SqlScope Scope, SqlCountShape? CountShape = null);

/// <summary>
/// Custom SQL parsed and walked, not yet printed back (<see cref="SqlGuard.Admit"/>): enough to answer it from the
/// stored counts, which never run it. Only <see cref="SqlGuard.Read"/> makes one, so a tree here was walked.
/// </summary>
public sealed class ReadSql
{
    internal ReadSql(string treeJson, bool[] columns, SqlScope scope, SqlCountShape? countShape, SqlBinShape? binShape, SqlWithinShape? withinShape) =>
        (TreeJson, Columns, Scope, CountShape, BinShape, WithinShape) = (treeJson, columns, scope, countShape, binShape, withinShape);

    internal string TreeJson { get; }

    public bool[] Columns { get; }

    public SqlScope Scope { get; }

    public SqlCountShape? CountShape { get; }

    public SqlBinShape? BinShape { get; }

    public SqlWithinShape? WithinShape { get; }
}

/// <summary>
/// Admits custom SQL only as one read-only SELECT over the views <c>events</c>, <c>logs</c> and <c>traffic</c>. The
/// statement is parsed by the engine's own parser (<c>json_serialize_sql</c>) — no second grammar to disagree with it
/// about comments, strings or precedence — and the tree is walked: exactly one statement, and it is a SELECT (the
/// serializer refuses anything else); every table is a view or a WITH query in scope, never a table function or a
/// schema-qualified name; every function is on an allow-list. What runs is the engine's re-printing of the checked
/// tree, inside a row cap. The engine is sandboxed as well (no file but the parts, no network, locked settings).
/// </summary>
public static class SqlGuard
{
    public const int MaxLength = 64 * 1024;

    private static readonly HashSet<string> Views = new(StringComparer.OrdinalIgnoreCase) { "events", "logs", "traffic" };

    /// <summary>
    /// The FROM items allowed: tables (checked by name) and what only combines or shapes them. A FROM item is any
    /// node the engine serializes with a <c>sample</c> slot and no modifiers; one of any other type (a table
    /// function, DESCRIBE, a kind added in a later engine version) is refused.
    /// </summary>
    private static readonly HashSet<string> TableShapes = ["BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EMPTY_FROM", "EXPRESSION_LIST", "PIVOT"];

    /// <summary>Bare words the engine turns into calls when no column has the name: session and catalog facts.</summary>
    private static readonly HashSet<string> SessionWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "user", "current_user", "session_user", "current_role", "current_schema", "current_schemas", "current_catalog", "current_database", "current_query",
    };

    /// <summary>What custom SQL may call; operators (<c>+</c>, <c>||</c>, LIKE's <c>~~</c>) always.</summary>
    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        // aggregates (count(*) parses as count_star)
        "count", "count_star", "sum", "avg", "mean", "min", "max", "median", "mode", "quantile", "quantile_cont", "quantile_disc",
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
        "to_seconds", "to_minutes", "to_hours", "to_days", "to_weeks", "to_months", "to_years",
        // what syntax turns into: x[1], {'a': 1}, [1, 2], ROW(…), a ~ b, x -> …, IN lists
        "array_extract", "list_extract", "struct_extract", "struct_pack", "row", "list_slice", "array_slice",
        "regexp_full_match", "list_transform", "list_filter", "list_reduce", "list_sort", "list_distinct",
        "list_has_any", "list_has_all",
    };

    /// <summary>The operators custom SQL may use (<c>~~</c> is LIKE, <c>~~*</c> ILIKE, <c>~~~</c> GLOB on strings).</summary>
    private static readonly HashSet<string> Operators =
        ["+", "-", "*", "/", "//", "%", "**", "^", "||", "~~", "!~~", "~~*", "!~~*", "~~~", "!~~~", "&", "|", "<<", ">>", "@", "^@", "->>", "->"];

    /// <summary>Checks <paramref name="sql"/> on a connection of the sandboxed engine; throws <see cref="SqlRejectedException"/>.</summary>
    public static AdmittedSql Check(string sql, DuckDbEngine.Connection connection) => Admit(Read(sql, connection), connection);

    /// <summary>Parses <paramref name="sql"/> and walks its tree; throws <see cref="SqlRejectedException"/>.</summary>
    public static ReadSql Read(string sql, DuckDbEngine.Connection connection)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, 1, "the SQL is empty");
        }

        if (sql.Length > MaxLength)
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, MaxLength, $"the SQL is longer than {MaxLength} characters");
        }

        if (sql.Contains('\0'))
        {
            // The engine's C interface reads statements up to the first NUL: what ran would not be what was checked.
            throw new SqlRejectedException(ErrorCodes.InvalidSql, sql.IndexOf('\0') + 1, "a NUL character (\\u0000) is not allowed in SQL");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Serialize(connection, sql), new JsonDocumentOptions { MaxDepth = 512 });
        }
        catch (JsonException)
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, 1, "the SQL nests too deeply");
        }

        using var owned = document;
        var root = document.RootElement;
        if (root.GetProperty("error").GetBoolean())
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : "the SQL does not parse";
            if (root.TryGetProperty("error_type", out var type) && type.GetString() == "not implemented")
            {
                throw new SqlRejectedException(ErrorCodes.ForbiddenSql, 1, "only a SELECT (or WITH … SELECT) can run here");
            }

            var position = root.TryGetProperty("position", out var p) && int.TryParse(p.GetString(), out var at) ? at + 1 : 1;
            throw new SqlRejectedException(ErrorCodes.InvalidSql, position, message ?? "the SQL does not parse");
        }

        var statements = root.GetProperty("statements");
        if (statements.GetArrayLength() == 0)
        {
            throw new SqlRejectedException(ErrorCodes.InvalidSql, 1, "the SQL holds no statement");
        }

        if (statements.GetArrayLength() != 1)
        {
            throw new SqlRejectedException(ErrorCodes.ForbiddenSql, Location(statements[1]), "only one statement can run");
        }

        try
        {
            var walk = new Walk();
            walk.Visit(statements[0], []);
            var node = statements[0].GetProperty("node");
            var scope = SqlScope.Of(node);
            return new ReadSql(root.GetRawText(), walk.Columns(), scope, SqlCountShape.Of(node, scope), SqlBinShape.Of(node, scope), SqlWithinShape.Of(node, scope));
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or JsonException)
        {
            // A tree of a shape the walk does not know is refused, not run unchecked.
            throw new SqlRejectedException(ErrorCodes.ForbiddenSql, 1, "the statement could not be checked: it has a form custom SQL does not know");
        }
    }

    /// <summary>Prints a read statement back as the SQL that runs, and checks that it reads back as the same tree.</summary>
    public static AdmittedSql Admit(ReadSql read, DuckDbEngine.Connection connection)
    {
        try
        {
            // What runs is the engine's printing of the checked tree; it must read back as that very tree, or the
            // printing added something the walk never saw.
            using var exact = JsonDocument.Parse(ExactDistinctCounts(read.TreeJson), new JsonDocumentOptions { MaxDepth = 512 });
            var printed = Deserialize(connection, exact.RootElement.GetRawText());
            using var reread = JsonDocument.Parse(Serialize(connection, printed), new JsonDocumentOptions { MaxDepth = 512 });
            var again = reread.RootElement;
            if (again.GetProperty("error").GetBoolean() || again.GetProperty("statements").GetArrayLength() != 1
                || !SameTree(exact.RootElement.GetProperty("statements")[0], again.GetProperty("statements")[0]))
            {
                throw new SqlRejectedException(ErrorCodes.ForbiddenSql, 1, "the statement could not be checked: the engine prints it back as something else");
            }

            return new AdmittedSql(printed, read.Columns, read.Scope, read.CountShape);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or JsonException)
        {
            // A tree of a shape the walk does not know is refused, not run unchecked.
            throw new SqlRejectedException(ErrorCodes.ForbiddenSql, 1, "the statement could not be checked: it has a form custom SQL does not know");
        }
    }

    /// <summary>
    /// <c>approx_count_distinct(x)</c> runs as <c>count(DISTINCT x)</c>: the engine's estimator was measured 11 % off
    /// on average and 28 % at worst on the standard dataset (issue 14), and an exact count costs about the same here.
    /// </summary>
    private static string ExactDistinctCounts(string json)
    {
        if (!json.Contains("approx_count_distinct", StringComparison.OrdinalIgnoreCase))
        {
            return json;
        }

        var tree = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 512 })!;
        var pending = new Stack<JsonNode>([tree]);
        while (pending.TryPop(out var node))
        {
            if (node is JsonObject function && function["class"]?.GetValue<string>() == "FUNCTION"
                && string.Equals(function["function_name"]?.GetValue<string>(), "approx_count_distinct", StringComparison.OrdinalIgnoreCase)
                && function.ContainsKey("distinct"))
            {
                function["function_name"] = "count";
                function["distinct"] = true;
            }

            foreach (var child in node switch { JsonObject o => o.Select(p => p.Value), JsonArray a => a, _ => [] })
            {
                if (child is not null)
                {
                    pending.Push(child);
                }
            }
        }

        // The tree nests deeper than a serializer's default 64 levels; the writer's own limit (1,000) holds it.
        var output = new System.Buffers.ArrayBufferWriter<byte>(json.Length + 64);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            tree.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>
    /// Two serialized trees are the same statement: equal but for source positions, and but for the wrapper the
    /// engine's printer puts around a VALUES list (below).
    /// </summary>
    private static bool SameTree(JsonElement a, JsonElement b)
    {
        if (IsValuesList(a) && UnwrapValues(b) is { } inner)
        {
            return SameTree(a, inner);
        }

        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var left = a.EnumerateObject().Where(p => p.Name != "query_location").ToList();
                var right = b.EnumerateObject().Where(p => p.Name != "query_location").ToList();
                return left.Count == right.Count
                    && left.Zip(right).All(pair => pair.First.Name == pair.Second.Name && SameTree(pair.First.Value, pair.Second.Value));
            case JsonValueKind.Array:
                return a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(pair => SameTree(pair.First, pair.Second));
            default:
                return a.GetRawText() == b.GetRawText();
        }
    }

    private static bool IsValuesList(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "EXPRESSION_LIST";

    /// <summary>
    /// The engine prints a VALUES list as <c>(VALUES …) AS valueslist</c> and reads that back as a subquery around
    /// the list — <c>SELECT * FROM (VALUES …) AS valueslist</c> — one more wrapper on every round. The wrapper selects
    /// every column and nothing else, so it is looked through: the list inside is compared. Anything more in it
    /// (a filter, a function, another name) is not this shape, and the trees differ.
    /// </summary>
    private static JsonElement? UnwrapValues(JsonElement node)
    {
        // Read defensively: a shape this does not know is simply not the wrapper.
        static JsonElement At(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var value) ? value : default;
        static int Count(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.GetArrayLength() : -1;
        static bool Null(JsonElement e) => e.ValueKind == JsonValueKind.Null;

        var select = At(At(node, "subquery"), "node");
        var list = At(select, "select_list");
        var star = Count(list) == 1 ? list[0] : default;
        var from = At(select, "from_table");
        var plain = At(node, "type").ValueKind == JsonValueKind.String && At(node, "type").GetString() == "SUBQUERY"
            && Count(At(node, "column_name_alias")) <= 0
            && At(select, "type").ValueKind == JsonValueKind.String && At(select, "type").GetString() == "SELECT_NODE"
            && At(star, "class").ValueKind == JsonValueKind.String && At(star, "class").GetString() == "STAR"
            && Count(At(star, "exclude_list")) == 0 && Count(At(star, "replace_list")) == 0 && Count(At(star, "rename_list")) == 0 && Null(At(star, "expr"))
            && Null(At(select, "where_clause")) && Null(At(select, "having")) && Null(At(select, "qualify")) && Null(At(select, "sample"))
            && Count(At(select, "group_expressions")) == 0 && Count(At(select, "modifiers")) == 0 && Count(At(At(select, "cte_map"), "map")) == 0
            && IsValuesList(from)
            && At(node, "alias").ValueKind == JsonValueKind.String && At(from, "alias").ValueKind == JsonValueKind.String
            && At(node, "alias").GetString() == At(from, "alias").GetString();
        return plain ? from : null;
    }

    private static string Serialize(DuckDbEngine.Connection connection, string sql)
    {
        using var command = connection.Command("SELECT json_serialize_sql(CAST($1 AS VARCHAR))", [sql]);
        return (string)command.ExecuteScalar()!;
    }

    private static string Deserialize(DuckDbEngine.Connection connection, string json)
    {
        using var command = connection.Command("SELECT json_deserialize_sql(CAST($1 AS JSON))", [json]);
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>The first source position inside a subtree, 1-based (1 when none is known).</summary>
    private static int Location(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("query_location", out var location) && location.TryGetUInt64(out var at) && at < int.MaxValue)
            {
                return (int)at + 1;
            }

            foreach (var property in element.EnumerateObject())
            {
                if (Location(property.Value) is var inner and > 1)
                {
                    return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (Location(item) is var inner and > 1)
                {
                    return inner;
                }
            }
        }

        return 1;
    }

    private static SqlRejectedException Forbid(JsonElement at, string reason) => new(ErrorCodes.ForbiddenSql, Location(at), reason);

    /// <summary>One walk of the tree: checks every node and notes the event columns it reads.</summary>
    private sealed class Walk
    {
        private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _rowNames = new(StringComparer.OrdinalIgnoreCase) { "events", "logs", "traffic" };
        private readonly List<string> _bareNames = [];
        private bool _all;

        /// <param name="scope">WITH query names visible here.</param>
        public void Visit(JsonElement node, HashSet<string> scope)
        {
            if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in node.EnumerateArray())
                {
                    Visit(item, scope);
                }

                return;
            }

            if (node.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (node.TryGetProperty("cte_map", out var ctes) && ctes.TryGetProperty("map", out var map) && map.GetArrayLength() > 0)
            {
                // Each WITH query sees only the ones before it (and itself when recursive): the engine resolves any
                // other name in its body in the catalog, so a WITH query named like a catalog view must not make
                // that view look like a WITH query inside its own body.
                var visible = new HashSet<string>(scope, StringComparer.OrdinalIgnoreCase);
                foreach (var cte in map.EnumerateArray())
                {
                    var name = cte.GetProperty("key").GetString()!;
                    var body = cte.GetProperty("value");
                    var own = new HashSet<string>(visible, StringComparer.OrdinalIgnoreCase);
                    if (body.TryGetProperty("query", out var query) && query.TryGetProperty("node", out var top)
                        && top.TryGetProperty("type", out var topType) && topType.GetString() == "RECURSIVE_CTE_NODE")
                    {
                        own.Add(name); // only a recursive WITH query's own top node sees its name
                    }

                    Visit(body, own);
                    visible.Add(name);
                    _rowNames.Add(name);
                }

                scope = visible;
            }

            if (node.TryGetProperty("class", out var expressionClass))
            {
                Expression(node, expressionClass.GetString()!);
            }
            else if (node.TryGetProperty("type", out var tableType) && tableType.ValueKind == JsonValueKind.String
                && node.TryGetProperty("sample", out _) && !node.TryGetProperty("modifiers", out _))
            {
                // (Query nodes carry a sample slot too, but also modifiers; FROM items do not.)
                Table(node, tableType.GetString()!, scope);
            }

            foreach (var property in node.EnumerateObject())
            {
                if (property.Name != "cte_map")
                {
                    Visit(property.Value, scope);
                }
            }
        }

        public bool[] Columns()
        {
            // A bare name that is a table, alias or WITH query is a whole row used as a value (SELECT l FROM logs l).
            if (_all || _bareNames.Any(_rowNames.Contains))
            {
                return ReferencedColumns.All();
            }

            var used = ReferencedColumns.Base();
            for (var i = 0; i < PartSchema.ColumnNames.Length; i++)
            {
                used[i] |= _names.Contains(PartSchema.ColumnNames[i]);
            }

            used[1] |= _names.Contains("time");
            return used;
        }

        private void Table(JsonElement node, string type, HashSet<string> scope)
        {
            if (!TableShapes.Contains(type))
            {
                throw Forbid(node, type == "TABLE_FUNCTION"
                    ? "table functions (file readers, catalogs, generators) are not available; FROM names the views events, logs and traffic"
                    : $"{type.ToLowerInvariant().Replace('_', ' ')} is not available in custom SQL");
            }

            if (node.TryGetProperty("alias", out var alias) && alias.GetString() is { Length: > 0 } name)
            {
                _rowNames.Add(name);
            }

            // Joins on columns named only as strings (USING), or on every shared column (NATURAL), and PIVOT's
            // implicit grouping by every column it does not name, read columns no COLUMN_REF shows.
            if (node.TryGetProperty("using_columns", out var usingColumns))
            {
                _names.UnionWith(usingColumns.EnumerateArray().Select(c => c.GetString()!));
            }

            if (type == "PIVOT" || (node.TryGetProperty("ref_type", out var refType) && refType.GetString() == "NATURAL"))
            {
                _all = true;
            }

            if (type != "BASE_TABLE")
            {
                return;
            }

            var table = node.GetProperty("table_name").GetString()!;
            var qualified = node.GetProperty("schema_name").GetString() is { Length: > 0 } || node.GetProperty("catalog_name").GetString() is { Length: > 0 };
            if (qualified || !(Views.Contains(table) || scope.Contains(table)))
            {
                throw Forbid(node, $"'{table}' is not a view: FROM and JOIN may name only events, logs, traffic or a WITH query");
            }

            // Columns renamed by position (FROM logs AS t(a, b)) are read without their names appearing.
            if (node.TryGetProperty("column_name_alias", out var renamed) && renamed.GetArrayLength() > 0)
            {
                _all = true;
            }
        }

        private void Expression(JsonElement node, string expressionClass)
        {
            switch (expressionClass)
            {
                case "STAR" or "POSITIONAL_REFERENCE":
                    _all = true; // every column, or one by its place
                    break;
                case "PARAMETER":
                    throw Forbid(node, "parameters ($1, ?) are not accepted; write the values");
                case "COLUMN_REF":
                    var parts = node.GetProperty("column_names").EnumerateArray().Select(p => p.GetString()!).ToList();
                    if (parts.Count == 1)
                    {
                        _bareNames.Add(parts[0]);
                        if (SessionWords.Contains(parts[0]))
                        {
                            throw Forbid(node, $"'{parts[0]}' is not available in custom SQL");
                        }
                    }

                    _names.UnionWith(parts);
                    break;
                case "FUNCTION" or "WINDOW":
                    var function = node.GetProperty("function_name").GetString()!;
                    var isOperator = node.TryGetProperty("is_operator", out var op) && op.GetBoolean();
                    var schema = node.TryGetProperty("schema", out var s) ? s.GetString() : "";
                    var catalog = node.TryGetProperty("catalog", out var c) ? c.GetString() : "";
                    // An operator's name is printed back bare, so it must be a real operator symbol, never text.
                    if (isOperator ? !Operators.Contains(function) : !Functions.Contains(function) || schema is not ("" or "main") || catalog is { Length: > 0 })
                    {
                        throw Forbid(node, $"function '{function}' is not available in custom SQL");
                    }

                    break;
            }
        }
    }
}

/// <summary>Custom SQL refused before it ran; <see cref="Position"/> is 1-based.</summary>
public sealed class SqlRejectedException(string code, int position, string reason) : Exception($"at character {position}: {reason}")
{
    public string Code { get; } = code;

    public int Position { get; } = position;

    public string Reason { get; } = reason;
}
