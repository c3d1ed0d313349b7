using Sluice.Admission.Quotas;

namespace Sluice.Tests.Admission;

public sealed class QuotaRuleTests
{
    [Theory]
    [InlineData("global:1000/1h", QuotaScope.Global, null, 1000, 3600, QuotaAction.Reject, "global:1000/1h:reject")]
    [InlineData("system=browser:400/1h:reject", QuotaScope.System, "browser", 400, 3600, QuotaAction.Reject, "system=browser:400/1h:reject")]
    [InlineData(" domain : 1000/60m : sample ", QuotaScope.Domain, null, 1000, 3600, QuotaAction.Sample, "domain:1000/1h:sample")]
    [InlineData("trace:100/30s", QuotaScope.Trace, null, 100, 30, QuotaAction.Reject, "trace:100/30s:reject")]
    [InlineData("api_key:5/1d:sample", QuotaScope.ApiKey, null, 5, 86400, QuotaAction.Sample, "api_key:5/1d:sample")]
    [InlineData("ip:10/5m", QuotaScope.ClientIp, null, 10, 300, QuotaAction.Reject, "ip:10/5m:reject")]
    public void Rules_parse_and_print_in_one_form(string text, QuotaScope scope, string? match, long limit, int windowSeconds, QuotaAction action, string name)
    {
        Assert.True(QuotaRule.TryParse(text, out var rule, out var error), error);
        Assert.Equal(scope, rule.Scope);
        Assert.Equal(match, rule.Match);
        Assert.Equal(limit, rule.Limit);
        Assert.Equal(TimeSpan.FromSeconds(windowSeconds), rule.Window);
        Assert.Equal(action, rule.Action);
        Assert.Equal(name, rule.Name);
        Assert.True(QuotaRule.TryParse(rule.Name, out var again, out _));
        Assert.Equal(rule, again);
    }

    [Theory]
    [InlineData("global", "expected scope")]
    [InlineData("planet:5/1h", "unknown scope 'planet'")]
    [InlineData("global=x:5/1h", "takes no value")]
    [InlineData("system=:5/1h", "empty")]
    [InlineData("global:0/1h", "limit of at least 1")]
    [InlineData("global:-5/1h", "limit of at least 1")]
    [InlineData("global:5", "limit/window")]
    [InlineData("global:5/1w", "not a window")]
    [InlineData("global:5/0s", "not a window")]
    [InlineData("global:5/8d", "not a window")]
    [InlineData("global:5/1h:drop", "unknown action 'drop'")]
    public void Bad_rules_say_what_is_wrong(string text, string expected)
    {
        Assert.False(QuotaRule.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Profiles_resolve_to_the_documented_rules()
    {
        var errors = new List<string>();
        Assert.Empty(QuotaProfiles.Resolve("none", "", errors));
        var dev = QuotaProfiles.Resolve("dev-logging", "", errors);
        Assert.Equal(
            ["global:1000/1h:reject", "system=browser:400/1h:reject", "system=worker:300/1h:reject", "system=backend:300/1h:reject", "trace:100/1h:reject"],
            dev.Select(r => r.Name));
        var traffic = QuotaProfiles.Resolve("traffic", "ip:50/1m", errors);
        Assert.Equal(["domain:1000/1h:sample", "ip:50/1m:reject"], traffic.Select(r => r.Name));
        Assert.Empty(errors);

        QuotaProfiles.Resolve("production", "global:x/1h", errors);
        Assert.Equal(2, errors.Count);
        Assert.Contains("unknown profile 'production'", errors[0]);
        Assert.Contains("Quotas:Rules: 'global:x/1h'", errors[1]);
    }
}
