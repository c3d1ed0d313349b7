namespace Sluice.ClickHouse.Queries;

internal enum SqlTokenKind : byte
{
    Word,
    QuotedName,
    String,
    Number,
    Symbol,
    Comment,
}

/// <summary>One token of a statement; <see cref="Position"/> is its 0-based character offset.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Position)
{
    public bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedName;

    /// <summary>The name a word or quoted name stands for.</summary>
    public string Name => Kind == SqlTokenKind.QuotedName ? Text[1..^1].Replace("\\", "", StringComparison.Ordinal) : Text;

    public bool IsWord(string word) => Kind == SqlTokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    public bool Is(string symbol) => Kind == SqlTokenKind.Symbol && Text == symbol;
}

/// <summary>
/// Splits ClickHouse SQL into tokens the way its lexer does for what matters to <see cref="ClickHouseSqlGuard"/>:
/// strings (<c>'…'</c> with backslash or doubled-quote escapes), quoted names (<c>"…"</c>, <c>`…`</c>), comments
/// (<c>--</c>, <c>/* */</c>) and everything else as words, numbers and symbols. Unterminated strings and comments are refused.
/// </summary>
internal static class SqlTokens
{
    public static List<SqlToken> Split(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && At(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Comment, sql[start..i], start));
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? throw Unterminated(start, "comment") : end + 2;
                tokens.Add(new SqlToken(SqlTokenKind.Comment, sql[start..i], start));
            }
            else if (c is '\'' or '"' or '`')
            {
                i = Quoted(sql, i);
                tokens.Add(new SqlToken(c == '\'' ? SqlTokenKind.String : SqlTokenKind.QuotedName, sql[start..i], start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1)) && (tokens.Count == 0 || !tokens[^1].IsName)))
            {
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '.' || ((sql[i] is '+' or '-') && sql[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start));
            }
            else if (char.IsLetter(c) || c == '_' || c == '$')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[start..i], start));
            }
            else
            {
                i++;
                tokens.Add(new SqlToken(SqlTokenKind.Symbol, sql[start..i], start));
            }
        }

        return tokens;
    }

    /// <summary>The end of the quoted token starting at <paramref name="start"/>: a backslash escapes the next character, a doubled quote is one quote.</summary>
    private static int Quoted(string sql, int start)
    {
        var quote = sql[start];
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == '\\')
            {
                i += 2;
            }
            else if (sql[i] == quote)
            {
                if (At(sql, i + 1) != quote)
                {
                    return i + 1;
                }

                i += 2;
            }
            else
            {
                i++;
            }
        }

        throw Unterminated(start, quote == '\'' ? "string" : "quoted name");
    }

    private static char At(string sql, int i) => i < sql.Length ? sql[i] : '\0';

    private static Sluice.Query.Analytics.SqlRejectedException Unterminated(int position, string what) =>
        new(Sluice.Core.Errors.ErrorCodes.InvalidSql, position + 1, $"the {what} starting here is not closed");
}
