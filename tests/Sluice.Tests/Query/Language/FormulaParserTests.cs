using Sluice.Query.Formulas;
using Sluice.Query.Language;

namespace Sluice.Tests.Query.Language;

public sealed class FormulaParserTests
{
    [Fact]
    public void Arithmetic_over_filtered_aggregations_parses_with_precedence()
    {
        var (root, aggregations) = FormulaParser.Parse("count(decision:block) / count() * 100 - -2");
        var minus = Assert.IsType<BinaryNode>(root);
        Assert.Equal('-', minus.Op);
        Assert.IsType<NegateNode>(minus.Right);
        var times = Assert.IsType<BinaryNode>(minus.Left);
        Assert.Equal('*', times.Op);
        Assert.Equal('/', Assert.IsType<BinaryNode>(times.Left).Op);
        Assert.Equal(["count(decision:block)", "count()"], aggregations.Select(a => a.Text));
        Assert.Equal("decision:\"block\"", QueryPrinter.Print(aggregations[0].Filter!));
        Assert.Null(aggregations[1].Filter);
    }

    [Fact]
    public void Field_functions_take_a_field_and_an_optional_filter_and_rate_takes_a_window()
    {
        var (_, aggregations) = FormulaParser.Parse("sum(bytes) / 1024 + avg(risk, country:(DE OR \"N,L\")) + rate(level:error, 5m) + rate(1h)");
        Assert.Equal(("sum", "bytes"), (aggregations[0].Function, aggregations[0].Field!.Name));
        Assert.Equal("(country:\"DE\" OR country:\"N,L\")", QueryPrinter.Print(aggregations[1].Filter!));
        Assert.Equal(("rate", 300_000L), (aggregations[2].Function, aggregations[2].WindowMs));
        Assert.Equal((3_600_000L, null), (aggregations[3].WindowMs, aggregations[3].Filter));
    }

    [Theory]
    [InlineData("", 1, "empty")]
    [InlineData("count() /", 10, "expected a number")]
    [InlineData("cnt()", 1, "unknown function 'cnt'")]
    [InlineData("count(decision:)", 16, "expected a value after 'decision:'")]
    [InlineData("sum()", 1, "takes a field")]
    [InlineData("sum(no such)", 5, "is not a field name")]
    [InlineData("rate(level:error)", 6, "window such as 5m")]
    [InlineData("(count()", 9, "to close the '('")]
    [InlineData("count() count()", 9, "expected an operator")]
    [InlineData("count(a, b)", 9, "at most one argument")]
    [InlineData("1.2.3", 1, "is not a number")]
    [InlineData("count(level:error", 6, "to close the '('")]
    [InlineData("rate(level:error, 213503982334d)", 18, "window such as 5m")]
    public void Errors_name_the_position_and_the_cause(string formula, int position, string cause)
    {
        var error = Assert.Throws<QueryException>(() => FormulaParser.Parse(formula));
        Assert.Contains(cause, error.Reason, StringComparison.Ordinal);
        Assert.Equal(position, error.Position);
    }
}

public sealed class FormulaLimitsTests
{
    [Fact]
    public void Long_flat_formulas_are_refused_not_a_stack_overflow()
    {
        var error = Assert.Throws<QueryException>(() => FormulaParser.Parse(string.Join('+', Enumerable.Repeat("1", 100_000))));
        Assert.Contains("more than 256 terms", error.Reason, StringComparison.Ordinal);
    }
}
