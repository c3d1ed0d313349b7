using Sluice.Query.Language;

namespace Sluice.Tests.Query.Language;

public sealed class QueryParserTests
{
    [Theory]
    [InlineData("level:error", "level:\"error\"")]
    [InlineData("level:ERR", "level:\"error\"")]
    [InlineData("service:auth", "service:\"auth\"")]
    [InlineData("status:>=500", "status:>=500")]
    [InlineData("risk:>70", "risk:>70")]
    [InlineData("risk:<=7.5", "risk:<=7.5")]
    [InlineData("level:>=warn", "level:>=warn")]
    [InlineData("path:/api/*", "path:\"/api/*\"")]
    [InlineData("-decision:allow", "NOT decision:\"allow\"")]
    [InlineData("NOT decision:allow", "NOT decision:\"allow\"")]
    [InlineData("country:(DE OR NL)", "(country:\"DE\" OR country:\"NL\")")]
    [InlineData("\"connection timeout\"", "\"connection timeout\"")]
    [InlineData("timeout", "\"timeout\"")]
    [InlineData("region:eu", "region:\"eu\"")]
    [InlineData("attributes.region:eu", "region:\"eu\"")]
    [InlineData("attributes.service:x", "attributes.service:\"x\"")]
    [InlineData("user_id:*", "user_id:*")]
    [InlineData("_time:1h", "_time:1h")]
    [InlineData("_time:90m", "_time:90m")]
    [InlineData("_time:[2026-01-01T00:00:00Z, 2026-01-01T01:00:00Z)", "_time:[2026-01-01T00:00:00.000Z, 2026-01-01T01:00:00.000Z)")]
    [InlineData("_time:[2026-01-01, 2026-01-02]", "_time:[2026-01-01T00:00:00.000Z, 2026-01-02T00:00:00.001Z)")]
    [InlineData("kind:traffic", "kind:\"traffic\"")]
    [InlineData("ad_click:true", "ad_click:\"true\"")]
    [InlineData("service: auth", "service:\"auth\"")]
    public void Every_filter_construct_parses(string query, string printed) =>
        Assert.Equal(printed, QueryPrinter.Print(QueryParser.Parse(query)));

    [Theory]
    [InlineData("a OR b c", "(\"a\" OR (\"b\" AND \"c\"))")]
    [InlineData("a b OR c", "((\"a\" AND \"b\") OR \"c\")")]
    [InlineData("a AND b OR c AND d", "((\"a\" AND \"b\") OR (\"c\" AND \"d\"))")]
    [InlineData("NOT a b", "(NOT \"a\" AND \"b\")")]
    [InlineData("-(a OR b) c", "(NOT (\"a\" OR \"b\") AND \"c\")")]
    [InlineData("a (b OR c)", "(\"a\" AND (\"b\" OR \"c\"))")]
    [InlineData("a and b or not c", "((\"a\" AND \"b\") OR NOT \"c\")")]
    public void Not_binds_tightest_then_and_then_or(string query, string printed) =>
        Assert.Equal(printed, QueryPrinter.Print(QueryParser.Parse(query)));

    [Fact]
    public void Quotes_and_backslashes_escape_what_would_otherwise_mean_something()
    {
        var phrase = Assert.IsType<TextFilter>(QueryParser.Parse("\"say \\\"hi\\\" \\\\ OR x\"").Filter);
        Assert.Equal("say \"hi\" \\ OR x", phrase.Text);

        var literalStar = Assert.IsType<FieldFilter>(QueryParser.Parse("path:\"/a\\*b\"").Filter);
        Assert.Equal((MatchOp.Equal, "/a*b"), (literalStar.Op, literalStar.Value));

        var wildcard = Assert.IsType<FieldFilter>(QueryParser.Parse("path:\"/a b/*\"").Filter);
        Assert.Equal((MatchOp.Wildcard, "/a b/*"), (wildcard.Op, wildcard.Value));

        var spaced = Assert.IsType<FieldFilter>(QueryParser.Parse("service:my\\ svc").Filter);
        Assert.Equal("my svc", spaced.Value);

        var keyword = Assert.IsType<TextFilter>(QueryParser.Parse("\"OR\"").Filter);
        Assert.Equal("OR", keyword.Text);

        var url = Assert.IsType<FieldFilter>(QueryParser.Parse("url:http://x/y?z=1").Filter);
        Assert.Equal("http://x/y?z=1", url.Value);
    }

    [Fact]
    public void Pipes_parse_with_their_defaults()
    {
        var query = QueryParser.Parse("level:error | stats count() as n, avg(risk), min(risk), max(risk), sum(bytes), count_distinct(ip_hash), quantile(0.99, latency) by (service, bin(5m)) | top country | sort by n desc, service | limit 20 | fields timestamp, message");
        var stats = Assert.IsType<StatsPipe>(query.Pipes[0]);
        Assert.Equal(["n", "avg_risk", "min_risk", "max_risk", "sum_bytes", "count_distinct_ip_hash", "p99_latency"], stats.Aggregates.Select(a => a.Name));
        Assert.Equal(0.99, stats.Aggregates[6].Quantile);
        Assert.Equal(["service", "_time"], stats.By.Select(k => k.Name));
        Assert.Equal(300_000, stats.By[1].BinMs);
        Assert.Equal(10, Assert.IsType<TopPipe>(query.Pipes[1]).Count);
        Assert.Equal([new SortKey("n", true), new SortKey("service", false)], Assert.IsType<SortPipe>(query.Pipes[2]).Keys);
        Assert.Equal(20, Assert.IsType<LimitPipe>(query.Pipes[3]).Count);
        Assert.Equal(["timestamp", "message"], Assert.IsType<FieldsPipe>(query.Pipes[4]).Fields.Select(f => f.Name));

        var bare = QueryParser.Parse("| stats count() by service");
        Assert.Null(bare.Filter);
        Assert.Equal("service", Assert.IsType<StatsPipe>(bare.Pipes[0]).By[0].Name);
    }

    [Theory]
    [InlineData("level:loud", 7, "not a level")]
    [InlineData("status:abc", 8, "whole numbers")]
    [InlineData("risk:>high", 7, "is not one")]
    [InlineData("service:>3", 10, "is text")]
    [InlineData("a AND (b OR", 12, "expected a filter term")]
    [InlineData("(a OR b", 8, "to close the '(' at character 1")]
    [InlineData("a) b", 2, "without a matching '('")]
    [InlineData("\"open", 1, "unclosed quote")]
    [InlineData("service:", 9, "expected a value after 'service:'")]
    [InlineData("country:(DE OR", 15, "expected a value for country")]
    [InlineData("country:(DE NL)", 13, "expected OR or ')'")]
    [InlineData("_time:soon", 7, "takes a duration")]
    [InlineData("_time:[2026-01-02, 2026-01-01]", 8, "ends before it starts")]
    [InlineData("_time:[yesterday, 2026-01-01]", 8, "is neither ISO-8601 nor an epoch number")]
    [InlineData("x | stat count()", 5, "unknown pipe 'stat'")]
    [InlineData("x | stats cnt()", 11, "unknown aggregate 'cnt'")]
    [InlineData("x | stats avg()", 15, "avg needs a field")]
    [InlineData("x | stats quantile(2, risk)", 20, "fraction from 0 to 1")]
    [InlineData("x | stats count() by bin(soon)", 26, "bin takes a duration")]
    [InlineData("x | limit 0", 11, "whole number above 0")]
    [InlineData("x | sort n", 10, "expected 'by'")]
    [InlineData("x |", 4, "expected a pipe")]
    [InlineData("a OR", 5, "expected a filter term")]
    [InlineData("OR a", 1, "needs a term on each side")]
    [InlineData("status:*5", 8, "takes no wildcard")]
    [InlineData("x | stats count(), count()", 27, "two columns named 'count'")]
    [InlineData("x | top", 8, "expected the field")]
    [InlineData("x | stats count(", 17, "expected a field inside count")]
    [InlineData("x | stats avg(", 15, "expected a field inside avg")]
    [InlineData("x | fields", 11, "expected a field name")]
    [InlineData("x | fields a,", 14, "expected a field name")]
    [InlineData("x | stats count() as", 21, "expected a column name")]
    [InlineData("x | stats quantile(NaN, risk)", 20, "fraction from 0 to 1")]
    [InlineData("_time:213503982334d", 7, "takes a duration")]
    [InlineData("x | stats count() by bin(213503982334d)", 26, "bin takes a duration")]
    public void Errors_name_the_position_and_the_cause(string query, int position, string cause)
    {
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(query));
        Assert.Contains(cause, error.Reason, StringComparison.Ordinal);
        Assert.Equal(position, error.Position);
        Assert.StartsWith($"at character {position}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_text_parses_or_fails_with_a_query_error_never_another_exception()
    {
        const string alphabet = "ab: ()\"|-*\\[],>=<_.0159hmsOR ANDNOTstatsbytopsortlimitfieldsquantile";
        for (var seed = 0; seed < 20_000; seed++)
        {
            var random = new Random(seed);
            var text = new string([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            try
            {
                var query = QueryParser.Parse(text);
                QueryPrinter.Print(query);
            }
            catch (QueryException e)
            {
                Assert.InRange(e.Position, 1, text.Length + 1);
            }
        }
    }

    [Fact]
    public void Long_flat_queries_are_refused_not_a_stack_overflow()
    {
        var flat = Assert.Throws<QueryException>(() => QueryParser.Parse(string.Join(' ', Enumerable.Repeat("a", 100_000))));
        Assert.Contains("more than 1000 terms", flat.Reason, StringComparison.Ordinal);
        var values = Assert.Throws<QueryException>(() => QueryParser.Parse("country:(" + string.Join(" OR ", Enumerable.Repeat("DE", 5000)) + ")"));
        Assert.Contains("more than 1000 terms", values.Reason, StringComparison.Ordinal);
        Assert.NotNull(QueryParser.Parse(string.Join(' ', Enumerable.Repeat("a", 1000))).Filter);
    }

    [Fact]
    public void Compile_errors_point_at_their_pipe()
    {
        var query = QueryParser.Parse("x | stats count() as n | sort by nope");
        var error = Assert.Throws<QueryException>(() => SqlCompiler.Compile(query, Sluice.Query.Sql.DuckDbDialect.Instance, 0, 10));
        Assert.Equal(24, error.Position);
        Assert.Contains("no column 'nope'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Edge_values_print_back_to_the_same_query()
    {
        foreach (var text in new[] { "_time:[2026-01-01T00:00:00Z, 9999-12-31T23:59:59.999Z]", "attributes.5xx:1", "attributes.-x:1", "kind:*" })
        {
            var printed = QueryPrinter.Print(QueryParser.Parse(text));
            Assert.Equal(printed, QueryPrinter.Print(QueryParser.Parse(printed)));
        }

        Assert.Equal("attributes.5xx:\"1\"", QueryPrinter.Print(QueryParser.Parse("attributes.5xx:1")));
    }

    [Fact]
    public void Deep_nesting_is_refused_not_a_stack_overflow()
    {
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(new string('(', 10_000) + "a" + new string(')', 10_000)));
        Assert.Contains("nests deeper", error.Reason, StringComparison.Ordinal);
        Assert.Throws<QueryException>(() => QueryParser.Parse(string.Concat(Enumerable.Repeat("-", 10_000)) + "a"));
    }

    [Fact]
    public void Filters_for_formulas_refuse_pipes_and_report_positions_in_the_outer_text()
    {
        Assert.Null(QueryParser.ParseFilter("   "));
        var error = Assert.Throws<QueryException>(() => QueryParser.ParseFilter("a | stats count()", 10));
        Assert.Equal(13, error.Position);
        Assert.Contains("pipes are not allowed", error.Reason, StringComparison.Ordinal);
    }
}
