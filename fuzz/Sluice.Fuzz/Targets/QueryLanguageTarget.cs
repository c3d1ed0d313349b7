using System.Text;
using Sluice.Query.Language;
using Sluice.Query.Sql;

namespace Sluice.Fuzz.Targets;

/// <summary>
/// The query language: a query either parses or is refused with a position; one that parses compiles to SQL and to
/// a row predicate, and prints back as text that parses to the same query.
/// </summary>
public sealed class QueryLanguageTarget : FuzzTarget
{
    public override string Name => "query-language";

    public override IReadOnlyList<byte[]> Seeds { get; } = [.. new[]
    {
        "level:error -service:auth _time:1h",
        "country:(DE OR NL) decision:block | top 10 reason",
        "status:>=500 path:/api/* | stats count() as n, avg(risk) by (service, bin(5m)) | sort by n desc | limit 10",
        "\"connection reset\" OR timeout | fields message, service",
        "_time:[2026-01-01T00:00:00Z, 2026-01-02) attributes.user.id:* | stats count_distinct(ip_hash) by (bin(1h))",
        "NOT (kind:traffic AND risk:<50) | stats quantile(0.99, risk) as p99",
    }.Select(Encoding.UTF8.GetBytes)];

    public override void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        ParsedQuery parsed;
        try
        {
            parsed = QueryParser.Parse(text);
        }
        catch (QueryException e)
        {
            NativeTarget.Check(e.Position >= 1 && e.Position <= text.Length + 1, $"error position {e.Position} outside the query of {text.Length}");
            return;
        }

        try
        {
            SqlCompiler.Compile(parsed, DuckDbDialect.Instance, 1_767_225_600_000, 10_000);
            if (parsed.Filter is { } filter)
            {
                _ = new RowPredicate(filter, 1_767_225_600_000);
            }
        }
        catch (QueryException)
        {
            // Compiling may refuse what parsing allowed (a sort by an unknown column); that is an answer.
        }

        var printed = QueryPrinter.Print(parsed);
        var again = QueryPrinter.Print(QueryParser.Parse(printed));
        NativeTarget.Check(again == printed, $"'{printed}' prints back as '{again}'");
    }
}
