using System.Globalization;
using System.Text;
using Sluice.Core.Events;

namespace Sluice.Query.Language;

/// <summary>
/// Recursive-descent parser of the query language (grammar in docs/query.md). Precedence, loosest first:
/// <c>|</c> pipes, <c>OR</c>, <c>AND</c> (also implied between terms), <c>NOT</c> / <c>-</c>.
/// Every error names the character where it was found.
/// </summary>
public sealed class QueryParser
{
    private const int MaxDepth = 64;

    /// <summary>Most terms a filter may hold: every walk of the tree is recursive, and a flat chain is as deep as it is long.</summary>
    public const int MaxTerms = 1000;

    /// <summary>Most pipes a query may hold: each one after a table-making pipe wraps the SQL before it in one more query.</summary>
    public const int MaxPipes = 32;
    private readonly string _text;
    private readonly int _origin;
    private int _pos;
    private int _depth;
    private int _terms;

    private QueryParser(string text, int origin)
    {
        _text = text;
        _origin = origin;
        if (text.Contains('\0'))
        {
            // The engine's string APIs stop at NUL, so such a value would match differently in memory and in parts.
            throw Error("a NUL character (\\u0000) is not allowed in a query", text.IndexOf('\0'));
        }
    }

    public static ParsedQuery Parse(string text)
    {
        var parser = new QueryParser(text, 0);
        var filter = parser.AtEnd() || parser.Peek() == '|' ? null : parser.ParseOr();
        var pipes = new List<Pipe>();
        var pipesAt = parser.AtEnd() ? 0 : parser.Column(parser._pos);
        var positions = new List<int>();
        while (!parser.AtEnd())
        {
            if (parser.Peek() != '|')
            {
                throw parser.Error(parser.Peek() == ')' ? "')' without a matching '('" : "expected '|' or the end of the query");
            }

            if (pipes.Count == MaxPipes)
            {
                throw parser.Error($"a query may hold at most {MaxPipes} pipes");
            }

            positions.Add(parser.Column(parser._pos));
            var at = parser._pos;
            parser._pos++;
            var pipe = parser.ParsePipe();
            if ((pipe is PatternsPipe && pipes.Count > 0) || (pipes.Count > 0 && pipes[0] is PatternsPipe && pipe is not LimitPipe))
            {
                throw parser.Error("'patterns' must be the first pipe, and only 'limit' may follow it", at);
            }

            pipes.Add(pipe);
        }

        return new ParsedQuery(filter, pipes) { PipesAt = pipesAt, PipePositions = positions };
    }

    /// <summary>A filter alone (no pipes), as formulas embed it; <paramref name="origin"/> shifts error positions.</summary>
    public static Filter? ParseFilter(string text, int origin = 0)
    {
        var parser = new QueryParser(text, origin);
        if (parser.AtEnd())
        {
            return null;
        }

        var filter = parser.ParseOr();
        if (!parser.AtEnd())
        {
            throw parser.Error(parser.Peek() == '|' ? "pipes are not allowed here, only a filter" : "expected the end of the filter");
        }

        return filter;
    }

    private Filter ParseOr()
    {
        var left = ParseAnd();
        while (TryKeyword("OR"))
        {
            left = new OrFilter(left, ParseAnd());
        }

        return left;
    }

    private Filter ParseAnd()
    {
        var left = ParseUnary();
        while (true)
        {
            if (AtEnd() || Peek() is ')' or '|' || IsKeywordAhead("OR"))
            {
                return left;
            }

            TryKeyword("AND");
            left = new AndFilter(left, ParseUnary());
        }
    }

    private Filter ParseUnary()
    {
        if (AtEnd())
        {
            throw Error("expected a filter term");
        }

        if (TryKeyword("NOT") || TryChar('-'))
        {
            return Nest(() => new NotFilter(ParseUnary()));
        }

        return ParsePrimary();
    }

    private Filter ParsePrimary()
    {
        var start = _pos;
        var c = Peek();
        if (c == '(')
        {
            _pos++;
            var inner = Nest(ParseOr);
            Expect(')', $"expected ')' to close the '(' at character {Column(start)}");
            return inner;
        }

        if (c == '"')
        {
            CountTerm();
            return new TextFilter(ReadQuoted().Literal);
        }

        if (c is ')' or '|')
        {
            throw Error("expected a filter term");
        }

        if (IsKeywordAhead("AND") || IsKeywordAhead("OR"))
        {
            var at = _pos;
            throw Error($"'{ReadWord()}' needs a term on each side", at);
        }

        var word = ReadWord();
        var colon = word.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && IsName(word.AsSpan(0, colon)))
        {
            var name = word[..colon];
            _pos = start + colon + 1;
            return ParseFieldValue(QueryField.Resolve(name), start);
        }

        CountTerm();
        return new TextFilter(Unescape(word).Literal);
    }

    private Filter ParseFieldValue(QueryField field, int fieldStart)
    {
        if (field.Source == FieldSource.Timestamp)
        {
            return ParseTime(fieldStart);
        }

        if (AtEnd() || Peek() is ')' or '|')
        {
            throw Error($"expected a value after '{field.Name}:'");
        }

        if (Peek() == '(')
        {
            var open = _pos++;
            Filter any = ParseValue(field);
            while (TryKeyword("OR"))
            {
                any = new OrFilter(any, ParseValue(field));
            }

            Expect(')', $"expected OR or ')' to close the value list at character {Column(open)}");
            return any;
        }

        if (Peek() == '[')
        {
            throw Error($"ranges [start, end] are for _time only; compare {field.Name} with >, >=, < or <=");
        }

        return ParseValue(field);
    }

    private FieldFilter ParseValue(QueryField field)
    {
        CountTerm();

        SkipSpaces();
        var start = _pos;
        if (AtEnd() || Peek() is ')' or '|' or '(')
        {
            throw Error($"expected a value for {field.Name}");
        }

        var op = MatchOp.Equal;
        if (Peek() is '>' or '<')
        {
            var greater = Peek() == '>';
            _pos++;
            var orEqual = TryChar('=', skipSpaces: false);
            op = greater ? (orEqual ? MatchOp.GreaterOrEqual : MatchOp.Greater) : (orEqual ? MatchOp.LessOrEqual : MatchOp.Less);
        }

        var valueStart = _pos;
        var (literal, pattern, wildcard) = _pos >= _text.Length || char.IsWhiteSpace(_text[_pos]) ? default
            : _text[_pos] == '"' ? ReadQuoted()
            : Unescape(ReadWord());
        if (literal is null || (literal.Length == 0 && op != MatchOp.Equal))
        {
            throw Error($"expected a value after '{_text[start.._pos]}'", valueStart);
        }

        if (op != MatchOp.Equal)
        {
            return Compare(field, op, literal, valueStart);
        }

        if (wildcard)
        {
            if (pattern == "*")
            {
                return new FieldFilter(field, MatchOp.Exists, "");
            }

            if (field.Source is not (FieldSource.Canonical or FieldSource.Attribute) || field.IsInteger || field.IsBoolean)
            {
                throw Error($"{field.Name} takes no wildcard; '*' matches text fields only", valueStart);
            }

            return new FieldFilter(field, MatchOp.Wildcard, pattern);
        }

        return new FieldFilter(field, MatchOp.Equal, Normalize(field, literal, valueStart));
    }

    private FieldFilter Compare(QueryField field, MatchOp op, string value, int at)
    {
        if (field.Source == FieldSource.Level)
        {
            return new FieldFilter(field, op, Normalize(field, value, at));
        }

        if (field.Source == FieldSource.Kind || (field.Source == FieldSource.Canonical && !field.IsInteger))
        {
            throw Error($"{field.Name} is text; >, >=, < and <= compare numbers (and levels)", at);
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw Error($"{field.Name} is compared with a number, and '{value}' is not one", at);
        }

        return new FieldFilter(field, op, Durations.Number(number));
    }

    private string Normalize(QueryField field, string value, int at)
    {
        switch (field.Source)
        {
            case FieldSource.Level:
                return Levels.TryParse(Encoding.UTF8.GetBytes(value), out var level)
                    ? Levels.Name(level)
                    : throw Error($"'{value}' is not a level; levels are trace, debug, info, warn, error, fatal", at);
            case FieldSource.Kind:
                return value is "log" or "traffic" ? value : throw Error($"'{value}' is not a kind; kinds are log and traffic", at);
        }

        if (field.IsInteger && !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw Error($"{field.Name} holds whole numbers, and '{value}' is not one", at);
        }

        if (field.IsBoolean && value is not ("true" or "false"))
        {
            throw Error($"{field.Name} is true or false, not '{value}'", at);
        }

        return field.IsInteger ? long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : value;
    }

    private TimeFilter ParseTime(int fieldStart)
    {
        CountTerm();
        if (TryChar('[', skipSpaces: false))
        {
            var startAt = _pos;
            var start = ReadUntil(',', "expected ',' between the start and the end of the _time range");
            var endAt = ++_pos;
            var end = ReadUntil(']', "expected ']' or ')' to close the _time range", ')');
            var inclusive = _text[_pos++] == ']';
            var startMs = ParseInstant(start, startAt);
            var endMs = ParseInstant(end, endAt);
            if (inclusive)
            {
                endMs = Math.Min(endMs + 1, Timestamps.MaxMs);
            }

            return endMs > startMs ? TimeFilter.Between(startMs, endMs) : throw Error("the _time range ends before it starts", startAt);
        }

        var at = _pos;
        var text = AtEnd() || char.IsWhiteSpace(Peek()) ? "" : ReadWord();
        return Durations.TryParse(text, out var ms)
            ? TimeFilter.Last(ms)
            : throw Error($"_time takes a duration (5m, 1h, 7d) or a range [start, end]; '{text}' is neither", text.Length == 0 ? fieldStart : at);
    }

    private long ParseInstant(string text, int at)
    {
        var trimmed = text.Trim();
        return Timestamps.TryParse(trimmed, out var ms) ? ms : throw Error($"'{trimmed}' {Timestamps.WhyNot(trimmed)}", at);
    }

    private string ReadUntil(char stop, string missing, char alternative = '\0')
    {
        var start = _pos;
        while (_pos < _text.Length && Peek() != stop && (alternative == '\0' || Peek() != alternative))
        {
            _pos++;
        }

        return _pos >= _text.Length ? throw Error(missing) : _text[start.._pos];
    }

    private Pipe ParsePipe()
    {
        SkipSpaces();
        var at = _pos;
        var name = ReadName();
        return name switch
        {
            "stats" => ParseStats(),
            "top" => ParseTop(),
            "sort" => ParseSort(),
            "limit" or "head" => new LimitPipe(ReadCount("limit")),
            "fields" => new FieldsPipe(ReadList(() => QueryField.Resolve(ReadRequiredName("a field name")))),
            "patterns" => ParsePatterns(),
            "" => throw Error("expected a pipe after '|'", at),
            _ => throw Error($"unknown pipe '{name}'; pipes are stats, top, sort, limit, fields and patterns", at),
        };
    }

    private StatsPipe ParseStats()
    {
        var aggregates = ReadList(ParseAggregate);
        var names = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<GroupKey> by = [];
        if (TryKeyword("by"))
        {
            var parens = TryChar('(');
            by = ReadList(ParseGroupKey);
            if (parens)
            {
                Expect(')', "expected ')' to close the 'by' list");
            }
        }

        foreach (var column in by.Select(k => k.Name).Concat(aggregates.Select(a => a.Name)))
        {
            if (!names.Add(column))
            {
                throw Error($"stats would make two columns named '{column}'; name one with 'as'");
            }
        }

        return new StatsPipe(aggregates, by);
    }

    private Aggregate ParseAggregate()
    {
        SkipSpaces();
        var at = _pos;
        var name = ReadName();
        if (!Names.TryParse(name, out var function))
        {
            throw Error(name.Length == 0
                ? "expected an aggregate such as count()"
                : $"unknown aggregate '{name}'; aggregates are count, count_distinct, sum, avg, min, max and quantile", at);
        }

        Expect('(', $"expected '(' after {name}");
        double? quantile = null;
        if (function == AggregateFunction.Quantile)
        {
            SkipSpaces();
            var qAt = _pos;
            var q = ReadName();
            if (!double.TryParse(q, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0 && value <= 1))
            {
                throw Error($"quantile's first argument is a fraction from 0 to 1, not '{q}'", qAt);
            }

            quantile = value;
            Expect(',', "expected ',' and a field after the quantile");
        }

        SkipSpaces();
        QueryField? field = null;
        if (Peek() != ')')
        {
            field = QueryField.Resolve(ReadRequiredName($"a field inside {name}( )"));
        }
        else if (function != AggregateFunction.Count)
        {
            throw Error($"{name} needs a field, as in {name}(risk)");
        }

        Expect(')', $"expected ')' to close {name}(");
        var alias = TryKeyword("as") ? ReadRequiredName("a column name after 'as'") : Aggregate.DefaultName(function, field, quantile);
        return new Aggregate(function, field, quantile, alias);
    }

    private GroupKey ParseGroupKey()
    {
        SkipSpaces();
        var at = _pos;
        var name = ReadName();
        if (name == "bin" && TryChar('(', skipSpaces: false))
        {
            SkipSpaces();
            var durationAt = _pos;
            var text = ReadName();
            if (!Durations.TryParse(text, out var ms))
            {
                throw Error($"bin takes a duration such as 5m or 1h, not '{text}'", durationAt);
            }

            Expect(')', "expected ')' to close bin(");
            return new GroupKey(null, ms);
        }

        return name.Length == 0 ? throw Error("expected a field to group by", at) : new GroupKey(QueryField.Resolve(name), 0);
    }

    private PatternsPipe ParsePatterns()
    {
        if (!TryKeyword("diff"))
        {
            return new PatternsPipe(false, PatternsPipe.DefaultShiftFactor);
        }

        SkipSpaces();
        var at = _pos;
        if (!char.IsAsciiDigit(Peek()))
        {
            return new PatternsPipe(true, PatternsPipe.DefaultShiftFactor);
        }

        while (_pos < _text.Length && (char.IsAsciiDigit(Peek()) || Peek() == '.'))
        {
            _pos++;
        }

        var text = _text[at.._pos];
        return double.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var factor) && factor is > 1 and <= 1_000_000
            ? new PatternsPipe(true, factor)
            : throw Error($"the factor of 'patterns diff' must be a number above 1, not '{text}'", at);
    }

    private TopPipe ParseTop()
    {
        SkipSpaces();
        var count = char.IsAsciiDigit(Peek()) ? ReadCount("top") : 10;
        SkipSpaces();
        var at = _pos;
        var name = ReadName();
        return name.Length == 0 ? throw Error("expected the field to rank after top", at) : new TopPipe(count, QueryField.Resolve(name));
    }

    private SortPipe ParseSort()
    {
        if (!TryKeyword("by"))
        {
            throw Error("expected 'by' after sort");
        }

        return new SortPipe(ReadList(() =>
        {
            SkipSpaces();
            var at = _pos;
            var column = ReadName();
            if (column.Length == 0)
            {
                throw Error("expected a column to sort by", at);
            }

            var descending = TryKeyword("desc");
            if (!descending)
            {
                TryKeyword("asc");
            }

            return new SortKey(column, descending);
        }));
    }

    private int ReadCount(string pipe)
    {
        SkipSpaces();
        var at = _pos;
        var text = ReadName();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw Error($"{pipe} takes a whole number above 0, not '{text}'", at);
    }

    private List<T> ReadList<T>(Func<T> item)
    {
        var items = new List<T> { item() };
        while (TryChar(','))
        {
            items.Add(item());
        }

        return items;
    }

    /// <summary>A word of filter text: up to a space, a parenthesis, a quote or a pipe; backslash escapes keep the next character.</summary>
    private string ReadWord()
    {
        SkipSpaces();
        var start = _pos;
        while (_pos < _text.Length)
        {
            var c = Peek();
            if (c == '\\' && _pos + 1 < _text.Length)
            {
                _pos += 2;
                continue;
            }

            if (char.IsWhiteSpace(c) || c is '(' or ')' or '"' or '|')
            {
                break;
            }

            _pos++;
        }

        return _text[start.._pos];
    }

    private void CountTerm()
    {
        if (++_terms > MaxTerms)
        {
            throw Error($"the query has more than {MaxTerms} terms");
        }
    }

    private string ReadRequiredName(string what)
    {
        SkipSpaces();
        var at = _pos;
        var name = ReadName();
        return name.Length == 0 ? throw Error($"expected {what}", at) : name;
    }

    /// <summary>A name in pipes: letters, digits and <c>_ . @ -</c>.</summary>
    private string ReadName()
    {
        SkipSpaces();
        var start = _pos;
        while (_pos < _text.Length && IsNameChar(Peek()))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private (string Literal, string Pattern, bool Wildcard) ReadQuoted()
    {
        var open = _pos++;
        var start = _pos;
        while (_pos < _text.Length && Peek() != '"')
        {
            _pos += Peek() == '\\' && _pos + 1 < _text.Length ? 2 : 1;
        }

        if (_pos >= _text.Length)
        {
            throw Error("unclosed quote", open);
        }

        var raw = _text[start.._pos];
        _pos++;
        return Unescape(raw);
    }

    /// <summary>Resolves backslash escapes: the literal text, the wildcard pattern and whether an unescaped * occurs.</summary>
    private static (string Literal, string Pattern, bool Wildcard) Unescape(string raw)
    {
        var literal = new StringBuilder(raw.Length);
        var pattern = new StringBuilder(raw.Length);
        var wildcard = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                c = raw[++i];
                literal.Append(c);
                pattern.Append(c is '*' or '\\' ? "\\" + c : c.ToString());
                continue;
            }

            wildcard |= c == '*';
            literal.Append(c);
            pattern.Append(c == '\\' ? "\\\\" : c.ToString());
        }

        return (literal.ToString(), pattern.ToString(), wildcard);
    }

    public static bool IsName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !(char.IsAsciiLetter(text[0]) || text[0] is '_' or '@'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsNameChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Only characters a name may hold (letters, digits, <c>_ . @ -</c>): safe inside quotes of any kind.</summary>
    public static bool HasNameCharsOnly(string text) => text.Length > 0 && text.All(IsNameChar);

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '@' or '-';

    private T Nest<T>(Func<T> parse)
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"the query nests deeper than {MaxDepth} levels");
        }

        try
        {
            return parse();
        }
        finally
        {
            _depth--;
        }
    }

    private bool TryKeyword(string keyword)
    {
        if (!IsKeywordAhead(keyword))
        {
            return false;
        }

        SkipSpaces();
        _pos += keyword.Length;
        return true;
    }

    private bool IsKeywordAhead(string keyword)
    {
        SkipSpaces();
        var end = _pos + keyword.Length;
        return end <= _text.Length
            && string.Compare(_text, _pos, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0
            && (end == _text.Length || char.IsWhiteSpace(_text[end]) || _text[end] is '(' or ')' or '"' or '|' or ',');
    }

    private bool TryChar(char c, bool skipSpaces = true)
    {
        if (skipSpaces)
        {
            SkipSpaces();
        }

        if (AtEnd() || Peek() != c)
        {
            return false;
        }

        _pos++;
        return true;
    }

    private void Expect(char c, string message)
    {
        if (!TryChar(c))
        {
            throw Error(message);
        }
    }

    private bool AtEnd()
    {
        SkipSpaces();
        return _pos >= _text.Length;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpaces()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private int Column(int index) => _origin + index + 1;

    private QueryException Error(string reason, int? at = null) => new(Column(Math.Min(at ?? _pos, _text.Length)), reason);
}
