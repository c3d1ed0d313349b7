using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Quota rules changed at runtime on nodes sharing Redis: the shared counters are keyed by the rule as written.</summary>
public sealed class RuntimeSharedQuotaTests
{
    private static async Task SetRulesAsync(TestServer node, string rules)
    {
        var (status, body, _) = await node.PostAsync("/api/v1/config/settings", "{\"settings\":{\"Quotas:Rules\":\"" + rules + "\"}}");
        Assert.True(status == 200, body.ToString());
    }

    private static async Task<int> SendAsync(TestServer node, string tag, int events)
    {
        var accepted = 0;
        for (var i = 0; i < events; i++)
        {
            accepted += await SharedNodes.AcceptedAsync(node, [$$"""{"message":"{{tag}} {{i}}"}"""]);
        }

        return accepted;
    }

    [RedisFact]
    public async Task A_rule_set_on_both_nodes_at_runtime_is_shared_and_a_changed_rule_starts_on_new_keys()
    {
        var clock = new ManualClock(SharedNodes.HourStart + (5 * 60_000));
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o, clock);
        Assert.Equal(8, await SendAsync(nodes.A, "free a", 4) + await SendAsync(nodes.B, "free b", 4));

        await SetRulesAsync(nodes.A, "global:10/1h");
        await SetRulesAsync(nodes.B, "global:10/1h");
        Assert.Equal(10, await SendAsync(nodes.A, "ten a", 6) + await SendAsync(nodes.B, "ten b", 6));

        // Another rule, another set of shared keys: its window starts empty on both nodes.
        await SetRulesAsync(nodes.A, "global:12/1h");
        await SetRulesAsync(nodes.B, "global:12/1h");
        Assert.Equal(12, await SendAsync(nodes.A, "twelve a", 7) + await SendAsync(nodes.B, "twelve b", 7));
    }
}
