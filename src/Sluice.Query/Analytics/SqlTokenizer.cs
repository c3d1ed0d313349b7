using Sluice.Core.Errors;

namespace Sluice.Query.Analytics;

public enum TokenKind
{
    None,
    Word,
    QuotedName,
    String,
    Number,
    Parameter,
    Symbol,
}

/// <summary>One SQL token; <see cref="Name"/> is a word lower-cased, or a quoted name as written inside its quotes.</summary>
public readonly record struct SqlToken(TokenKind Kind, int Start, string Text, string Name)
{
    public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    public bool IsWord(string word) => Kind == TokenKind.Word && Name == word;
}

/// <summary>Splits SQL into tokens, skipping comments; strings and quoted names are single tokens.</summary>
public static class SqlTokenizer
{
    public static List<SqlToken> Read(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                // The engine ends a line comment at either line break; so must we, or code would hide after a \r.
                while (i < sql.Length && sql[i] is not ('\n' or '\r'))
                {
                    i++;
                }
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c is '\'' or '"')
            {
                var start = i;
                if (c == '\'' && tokens.Count > 0 && tokens[^1].Kind == TokenKind.Word && tokens[^1].Start + tokens[^1].Text.Length == i)
                {
                    // E'…' reads backslash escapes, so its end is not where a plain string's is: refuse every prefixed form.
                    throw new SqlRejectedException(ErrorCodes.ForbiddenSql, tokens[^1].Start + 1, $"prefixed strings ({tokens[^1].Text}'…') are not accepted; write a plain '…' string");
                }

                var text = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        throw Unclosed(start, c == '\'' ? "string" : "quoted name");
                    }

                    if (sql[i] == c)
                    {
                        if (At(sql, i + 1) == c)
                        {
                            text.Append(c);
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    text.Append(sql[i++]);
                }

                tokens.Add(new SqlToken(c == '\'' ? TokenKind.String : TokenKind.QuotedName, start, sql[start..i], text.ToString()));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                var word = sql[start..i];
                tokens.Add(new SqlToken(TokenKind.Word, start, word, word.ToLowerInvariant()));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1))))
            {
                var start = i;
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] is '.' or '_'))
                {
                    i++;
                }

                tokens.Add(new SqlToken(TokenKind.Number, start, sql[start..i], ""));
            }
            else if (c is '$' or '?')
            {
                tokens.Add(new SqlToken(TokenKind.Parameter, i, c.ToString(), ""));
                i++;
            }
            else
            {
                var two = i + 1 < sql.Length ? sql.Substring(i, 2) : "";
                var symbol = two is "::" or "<=" or ">=" or "<>" or "!=" or "||" or "->" or "=>" or "**" ? two : c.ToString();
                tokens.Add(new SqlToken(TokenKind.Symbol, i, symbol, ""));
                i += symbol.Length;
            }
        }

        return tokens;
    }

    /// <summary>Block comments nest in the engine (<c>/* /* */ */</c> is one comment), so they nest here.</summary>
    private static int SkipBlockComment(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        throw Unclosed(start, "comment");
    }

    private static char At(string text, int index) => index < text.Length ? text[index] : '\0';

    private static SqlRejectedException Unclosed(int start, string what) => new(ErrorCodes.InvalidSql, start + 1, $"unclosed {what}");
}
