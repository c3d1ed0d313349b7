using System.Text;
using Sluice.Query.Language;

namespace Sluice.Tests.Query.Language;

public sealed class WildcardPatternTests
{
    [Theory]
    [InlineData("/api/*", "/api/users", true)]
    [InlineData("/api/*", "/api", false)]
    [InlineData("*.png", "/a/b.png", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*a", "a", false)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "aXb", false)]
    [InlineData("*", "", true)]
    [InlineData("x", "X", false)]
    public void Matches_like_sql_like(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, new WildcardPattern(pattern).IsMatch(Encoding.UTF8.GetBytes(value)));
    }

    [Fact]
    public void Compiles_to_a_like_pattern_with_its_own_wildcards_escaped() =>
        Assert.Equal("/a\\_b\\%c\\\\%*", WildcardPattern.ToLike("/a_b%c\\\\*\\*"));
}
