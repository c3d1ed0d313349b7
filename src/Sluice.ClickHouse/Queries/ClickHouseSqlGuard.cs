using System.Text;
using Sluice.Core.Errors;
using Sluice.Query.Analytics;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Admits custom SQL for ClickHouse only as one SELECT (or <c>WITH … SELECT</c>) over <c>events</c>, <c>logs</c> and
/// <c>traffic</c>, which are rewritten to the store's database. The statement is split into tokens (strings, quoted
/// names and comments kept whole, so nothing inside them is read as SQL) and refused for any other table, any
/// qualified name but a table alias's column, a table function, <c>SETTINGS</c>, <c>FORMAT</c> or <c>INTO OUTFILE</c>
/// — the statement's limits and output format are Sluice's. ClickHouse itself is the second wall: the statement runs
/// as a read-only user allowed only that database, inside Sluice's limits. Refusals are the embedded
/// <see cref="SqlGuard"/>'s: <see cref="SqlRejectedException"/> with <c>invalid_sql</c> or <c>forbidden_sql</c>.
/// </summary>
internal static class ClickHouseSqlGuard
{
    private static readonly HashSet<string> Views = new(StringComparer.OrdinalIgnoreCase) { "events", "logs", "traffic" };

    /// <summary>Words that end a FROM item: anything else right after a table is its alias.</summary>
    private static readonly HashSet<string> Clauses = new(StringComparer.OrdinalIgnoreCase)
    {
        "where", "prewhere", "group", "order", "limit", "having", "union", "join", "inner", "left", "right", "full", "cross",
        "outer", "any", "all", "asof", "semi", "anti", "global", "array", "on", "using", "final", "sample", "with", "as",
        "settings", "format", "into", "select", "by", "offset",
    };

    /// <summary>Words that change settings, write, or leave the statement: refused wherever they stand outside strings.</summary>
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase) { "settings", "format", "into", "outfile" };

    public static string Check(string sql, string database)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw Invalid(1, "the SQL is empty");
        }

        if (sql.Length > SqlGuard.MaxLength)
        {
            throw Invalid(SqlGuard.MaxLength, $"the SQL is longer than {SqlGuard.MaxLength} characters");
        }

        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid(sql.IndexOf('\0', StringComparison.Ordinal) + 1, "a NUL character (\\u0000) is not allowed in SQL");
        }

        var tokens = SqlTokens.Split(sql).Where(t => t.Kind != SqlTokenKind.Comment).ToList();
        var end = tokens.FindIndex(t => t.Is(";"));
        if (end >= 0)
        {
            if (end != tokens.Count - 1)
            {
                throw Forbid(tokens[end + 1], "only one statement can run");
            }

            tokens.RemoveAt(end);
        }

        if (tokens.Count == 0)
        {
            throw Invalid(1, "the SQL holds no statement");
        }

        if (!tokens[0].IsWord("select") && !tokens[0].IsWord("with"))
        {
            throw Forbid(tokens[0], "only a SELECT (or WITH … SELECT) can run here");
        }

        var aliases = new HashSet<string>(StringComparer.Ordinal);
        var tables = new Dictionary<int, bool>(); // token index of a view → whether an alias follows it
        var subqueries = new HashSet<int>(); // token index of the ')' that closes a FROM item
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind == SqlTokenKind.Word && Forbidden.Contains(token.Text))
            {
                throw Forbid(token, $"{token.Text.ToUpperInvariant()} is not accepted in custom SQL: Sluice sets the limits and the format");
            }

            if (token.IsName && i + 1 < tokens.Count && tokens[i + 1].Is("(") && IsSourceFunction(token.Name))
            {
                throw Forbid(token, $"function '{token.Name}' is not available in custom SQL");
            }

            // ARRAY JOIN unfolds an array of the row, not a table.
            if ((token.IsWord("from") || (token.IsWord("join") && !(i > 0 && tokens[i - 1].IsWord("array")))) && i + 1 < tokens.Count)
            {
                Source(tokens, i + 1, tables, subqueries);
            }

            // x IN db.t and x IN t read a table: IN takes a list or a subquery here.
            if (token.IsWord("in") && i + 1 < tokens.Count && tokens[i + 1].IsName && !(i + 2 < tokens.Count && tokens[i + 2].Is("(")))
            {
                throw Forbid(tokens[i + 1], "IN takes a list or a subquery in custom SQL, not a table");
            }

            if (IsAlias(tokens, i))
            {
                aliases.Add(token.Name);
                if (tables.ContainsKey(i - 1))
                {
                    tables[i - 1] = true;
                }
                else if (i > 1 && tokens[i - 1].IsWord("as") && tables.ContainsKey(i - 2))
                {
                    tables[i - 2] = true;
                }
            }

            // FROM a, b: a comma right after a FROM item starts another.
            if (token.Is(",") && i + 1 < tokens.Count && EndsFromItem(tokens, i - 1, tables, subqueries))
            {
                Source(tokens, i + 1, tables, subqueries);
            }
        }

        // A qualified name may only be a column of a table or its alias (db.table, system.x and IN db.t are not).
        for (var i = 0; i + 2 < tokens.Count; i++)
        {
            if (tokens[i].IsName && tokens[i + 1].Is(".") && tokens[i + 2].IsName
                && (i == 0 || !tokens[i - 1].Is("."))
                && !aliases.Contains(tokens[i].Name) && !tables.ContainsKey(i) && !Views.Contains(tokens[i].Name))
            {
                throw Forbid(tokens[i], $"'{tokens[i].Name}.{tokens[i + 2].Name}' is not a column of a table in FROM: custom SQL reads only events, logs and traffic");
            }
        }

        // Re-joined from the tokens: comments and runs of space become one space, views become the database's tables.
        var text = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i > 0 && tokens[i - 1].Position + tokens[i - 1].Text.Length < token.Position)
            {
                text.Append(' ');
            }

            text.Append(!tables.TryGetValue(i, out var named) ? token.Text
                : named ? $"{database}.{token.Name.ToLowerInvariant()}"
                : $"{database}.{token.Name.ToLowerInvariant()} AS {token.Text}");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>The FROM (or JOIN) item at <paramref name="i"/>: a view, which is noted, or a subquery; anything else is refused.</summary>
    private static void Source(List<SqlToken> tokens, int i, Dictionary<int, bool> tables, HashSet<int> subqueries)
    {
        var item = tokens[i];
        if (item.Is("("))
        {
            if (i + 1 < tokens.Count && (tokens[i + 1].IsWord("select") || tokens[i + 1].IsWord("with")))
            {
                // A subquery: its own FROM is checked as the scan goes on; its ')' ends this item.
                for (int j = i, depth = 0; j < tokens.Count; j++)
                {
                    depth += tokens[j].Is("(") ? 1 : tokens[j].Is(")") ? -1 : 0;
                    if (depth == 0)
                    {
                        subqueries.Add(j);
                        break;
                    }
                }

                return;
            }

            throw Forbid(item, "FROM and JOIN may name only events, logs, traffic or a subquery");
        }

        if (!item.IsName)
        {
            throw Forbid(item, "FROM and JOIN may name only events, logs, traffic or a subquery");
        }

        if (i + 1 < tokens.Count && tokens[i + 1].Is("("))
        {
            throw Forbid(item, $"table function '{item.Name}' is not available in custom SQL");
        }

        if (i + 1 < tokens.Count && tokens[i + 1].Is("."))
        {
            throw Forbid(item, $"'{item.Name}.{(i + 2 < tokens.Count ? tokens[i + 2].Text : "")}' is in another database: custom SQL reads only events, logs and traffic");
        }

        if (!Views.Contains(item.Name))
        {
            throw Forbid(item, $"'{item.Name}' is not a table custom SQL may read: FROM and JOIN may name only events, logs or traffic");
        }

        tables[i] = false;
    }

    /// <summary>Whether the name at <paramref name="i"/> is an alias: after AS, or right after a view or a subquery's ')'.</summary>
    private static bool IsAlias(List<SqlToken> tokens, int i)
    {
        var token = tokens[i];
        if (!token.IsName || i == 0 || (token.Kind == SqlTokenKind.Word && Clauses.Contains(token.Text)))
        {
            return false;
        }

        var before = tokens[i - 1];
        return before.IsWord("as") || before.Is(")") || (before.IsName && Views.Contains(before.Name) && i > 1 && (tokens[i - 2].IsWord("from") || tokens[i - 2].IsWord("join") || tokens[i - 2].Is(",")));
    }

    /// <summary>Whether the token at <paramref name="i"/> ends a FROM item: a view or a subquery, or its alias.</summary>
    private static bool EndsFromItem(List<SqlToken> tokens, int i, Dictionary<int, bool> tables, HashSet<int> subqueries)
    {
        bool Item(int at) => at >= 0 && (tables.ContainsKey(at) || subqueries.Contains(at));
        return Item(i) || (IsAlias(tokens, i) && (Item(i - 1) || (tokens[i - 1].IsWord("as") && Item(i - 2))));
    }

    /// <summary>Functions that read something other than the row: other tables, files, the network, dictionaries, settings.</summary>
    private static bool IsSourceFunction(string name) =>
        name.StartsWith("dictget", StringComparison.OrdinalIgnoreCase)
        || SourceFunctions.Contains(name);

    private static readonly HashSet<string> SourceFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "file", "url", "remote", "remotesecure", "cluster", "clusterallreplicas", "numbers", "numbers_mt", "zeros", "zeros_mt",
        "mysql", "postgresql", "odbc", "jdbc", "hdfs", "s3", "s3cluster", "input", "merge", "generaterandom", "values",
        "joinget", "dicthas", "dictisin", "getsetting", "currentdatabase", "hostname", "fqdn", "uptime", "version",
        "filesystemavailable", "filesystemcapacity", "filesystemfree", "view", "executable", "dictionary",
    };

    private static SqlRejectedException Invalid(int position, string reason) => new(ErrorCodes.InvalidSql, position, reason);

    private static SqlRejectedException Forbid(SqlToken token, string reason) => new(ErrorCodes.ForbiddenSql, token.Position + 1, reason);
}
