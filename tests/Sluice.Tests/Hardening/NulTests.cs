using Sluice.Core.Errors;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Tests.Support;

namespace Sluice.Tests.Hardening;

/// <summary>
/// NUL is refused wherever text enters — event values and names, query text, formulas — because the engine's string
/// interface stops at it: the same value would otherwise read one way in memory and another in sealed parts.
/// </summary>
public class NulTests
{
    [Theory]
    [InlineData("""{"message":"visible\u0000hidden-payload","service":"nulsvc"}""", "message")]
    [InlineData("""{"message":"m","service":"a\u0000b"}""", "service")]
    [InlineData("""{"message":"m","note":"a\u0000"}""", "note")]
    [InlineData("""{"message":"m","ctx":{"deep":"\u0000"}}""", "ctx.deep")]
    public void A_value_holding_nul_is_refused_naming_its_field(string json, string field)
    {
        var error = Parse.Error(json);
        Assert.Equal((ErrorCodes.InvalidValue, field), (error.Code, error.Field));
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_holding_nul_is_refused()
    {
        var error = Parse.Error("""{"message":"m","a\u0000b":"x"}""");
        Assert.Equal(ErrorCodes.InvalidValue, error.Code);
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_nul_inside_an_array_stays_json_text()
    {
        var e = Parse.One("""{"message":"m","tags":["a\u0000b"]}""");
        Assert.Equal("[\"a\\u0000b\"]", e.Attributes["tags"]);
    }

    [Fact]
    public void Query_text_and_formulas_refuse_nul_at_its_position()
    {
        var query = Assert.Throws<QueryException>(() => QueryParser.Parse("base event 1\0zzz"));
        Assert.Equal(13, query.Position);
        Assert.Throws<QueryException>(() => QueryParser.ParseFilter("service:a\0"));
        var formula = Assert.Throws<QueryException>(() => FormulaParser.Parse("count() + 1\0"));
        Assert.Equal(12, formula.Position);
    }
}
