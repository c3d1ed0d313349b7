using System.Globalization;
using Sluice.Query.Language;

namespace Sluice.Query.Formulas;

/// <summary>
/// Parses formulas: numbers, <c>+ - * /</c> with the usual precedence, parentheses, unary minus and calls of
/// <see cref="FormulaCatalog.Functions"/>. A filter argument is the query language's filter, parsed in place, so its
/// errors point into the formula too.
/// </summary>
public sealed class FormulaParser
{
    public const int MaxAggregations = 32;

    /// <summary>Most numbers and calls a formula may hold: evaluation is recursive, and a flat sum is as deep as it is long.</summary>
    public const int MaxTerms = 256;
    private readonly string _text;
    private readonly List<AggregationNode> _aggregations = [];
    private int _pos;
    private int _depth;
    private int _terms;

    private FormulaParser(string text) => _text = text;

    public static (FormulaNode Root, IReadOnlyList<AggregationNode> Aggregations) Parse(string text)
    {
        var parser = new FormulaParser(text);
        if (parser.AtEnd())
        {
            throw new QueryException(1, "the formula is empty");
        }

        if (text.Contains('\0'))
        {
            throw parser.Error("a NUL character (\\u0000) is not allowed in a formula", text.IndexOf('\0'));
        }

        var root = parser.ParseSum();
        if (!parser.AtEnd())
        {
            throw parser.Error(parser.Peek() == ')' ? "')' without a matching '('" : "expected an operator (+ - * /) or the end of the formula");
        }

        if (parser._aggregations.Count == 0)
        {
            // Validation and execution must agree: a formula of constants alone reads no events, so it is not one.
            throw new QueryException(1, "a formula needs at least one aggregation of events, such as count() or avg(risk)");
        }

        return (root, parser._aggregations);
    }

    private FormulaNode ParseSum()
    {
        var left = ParseProduct();
        while (!AtEnd() && Peek() is '+' or '-')
        {
            var op = _text[_pos++];
            left = new BinaryNode(op, left, ParseProduct());
        }

        return left;
    }

    private FormulaNode ParseProduct()
    {
        var left = ParseUnary();
        while (!AtEnd() && Peek() is '*' or '/')
        {
            var op = _text[_pos++];
            left = new BinaryNode(op, left, ParseUnary());
        }

        return left;
    }

    private FormulaNode ParseUnary()
    {
        if (AtEnd())
        {
            throw Error("expected a number, a function or '('");
        }

        if (++_terms > MaxTerms)
        {
            throw Error($"the formula has more than {MaxTerms} terms");
        }

        if (Peek() == '-')
        {
            _pos++;
            return new NegateNode(Nest(ParseUnary));
        }

        if (Peek() == '(')
        {
            var open = _pos++;
            var inner = Nest(ParseSum);
            if (AtEnd() || Peek() != ')')
            {
                throw Error($"expected ')' to close the '(' at character {open + 1}");
            }

            _pos++;
            return inner;
        }

        if (char.IsAsciiDigit(Peek()) || Peek() == '.')
        {
            var start = _pos;
            while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E'
                || (_text[_pos] is '+' or '-' && _text[_pos - 1] is 'e' or 'E')))
            {
                _pos++;
            }

            return double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? new NumberNode(number)
                : throw Error($"'{_text[start.._pos]}' is not a number", start);
        }

        return ParseCall();
    }

    private AggregationNode ParseCall()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
        }

        var name = _text[start.._pos].ToLowerInvariant();
        var function = FormulaCatalog.Functions.FirstOrDefault(f => f.Name == name);
        if (name.Length == 0)
        {
            throw Error($"unexpected '{Peek()}'; expected a number, a function or '('");
        }

        if (function is null)
        {
            throw Error($"unknown function '{name}'; functions are {string.Join(", ", FormulaCatalog.Functions.Select(f => f.Name))}", start);
        }

        SkipSpaces();
        if (_pos >= _text.Length || _text[_pos] != '(')
        {
            throw Error($"expected '(' after {name}");
        }

        var arguments = ReadArguments();
        var text = _text[start.._pos];
        var node = function.Name switch
        {
            "count" => Count(arguments, text),
            "rate" => Rate(arguments, text),
            _ => FieldCall(function, arguments, text),
        };
        if (_aggregations.Count == MaxAggregations)
        {
            throw Error($"a formula may hold at most {MaxAggregations} aggregations", start);
        }

        _aggregations.Add(node);
        return node;
    }

    private AggregationNode Count(List<(string Text, int At)> arguments, string text) => arguments.Count switch
    {
        0 => new AggregationNode("count", null, null, 0, text),
        1 => new AggregationNode("count", null, Filter(arguments[0]), 0, text),
        _ => throw Error("count takes at most one argument, a filter", arguments[1].At),
    };

    private AggregationNode Rate(List<(string Text, int At)> arguments, string text)
    {
        if (arguments.Count is 0 or > 2)
        {
            throw Error("rate takes an optional filter and a window, as in rate(level:error, 5m)", _pos - text.Length);
        }

        var (window, at) = arguments[^1];
        if (!Durations.TryParse(window.Trim(), out var ms))
        {
            throw Error($"rate's last argument is a window such as 5m or 1h, not '{window.Trim()}'", at);
        }

        return new AggregationNode("rate", null, arguments.Count == 2 ? Filter(arguments[0]) : null, ms, text);
    }

    private AggregationNode FieldCall(FormulaFunction function, List<(string Text, int At)> arguments, string text)
    {
        if (arguments.Count is 0 or > 2)
        {
            throw Error($"{function.Name} takes a field and an optional filter: {function.Signature}", _pos - text.Length);
        }

        var (name, at) = arguments[0];
        name = name.Trim();
        if (!QueryParser.IsName(name))
        {
            throw Error($"'{name}' is not a field name", at);
        }

        var filter = arguments.Count == 2 ? Filter(arguments[1]) : null;
        return new AggregationNode(function.Name, QueryField.Resolve(name), filter, 0, text);
    }

    private Filter? Filter((string Text, int At) argument) => QueryParser.ParseFilter(argument.Text, argument.At);

    /// <summary>The arguments between the parentheses, split at top-level commas (quotes and nesting respected).</summary>
    private List<(string Text, int At)> ReadArguments()
    {
        var open = _pos++;
        var arguments = new List<(string, int)>();
        var start = _pos;
        var depth = 0;
        var quoted = false;
        for (; _pos < _text.Length; _pos++)
        {
            var c = _text[_pos];
            if (quoted)
            {
                if (c == '\\')
                {
                    _pos++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"': quoted = true; break;
                case '(': depth++; break;
                case ',' when depth == 0:
                    arguments.Add((_text[start.._pos], start));
                    start = _pos + 1;
                    break;
                case ')' when depth == 0:
                    var last = _text[start.._pos];
                    if (arguments.Count > 0 || !string.IsNullOrWhiteSpace(last))
                    {
                        arguments.Add((last, start));
                    }

                    _pos++;
                    return arguments;
                case ')': depth--; break;
            }
        }

        throw Error($"expected ')' to close the '(' at character {open + 1}", open);
    }

    private T Nest<T>(Func<T> parse)
    {
        if (++_depth > 64)
        {
            throw Error("the formula nests deeper than 64 levels");
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

    private bool AtEnd()
    {
        SkipSpaces();
        return _pos >= _text.Length;
    }

    private char Peek() => _text[_pos];

    private void SkipSpaces()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private QueryException Error(string reason, int? at = null) => new(Math.Min(at ?? _pos, _text.Length) + 1, reason);
}
