using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// Two servers with their own data directories sharing one Redis and key prefix — two nodes of one deployment —
/// on one hand-moved clock, so a test's windows never cross an hour.
/// </summary>
internal sealed class SharedNodes : IAsyncDisposable
{
    public const long HourStart = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    private SharedNodes(TestServer a, TestServer b, string prefix)
    {
        A = a;
        B = b;
        Prefix = prefix;
    }

    public TestServer A { get; }

    public TestServer B { get; }

    public string Prefix { get; }

    public TestServer this[int i] => i % 2 == 0 ? A : B;

    public static async Task<SharedNodes> StartAsync(string redisUrl, Func<SluiceOptions, SluiceOptions> configure, ManualClock clock)
    {
        var prefix = RedisFactAttribute.NewPrefix();
        SluiceOptions Configure(SluiceOptions o) => configure(o with { Redis = o.Redis with { Url = redisUrl, KeyPrefix = prefix, NodeCount = 2 } });
        var a = await TestServer.StartAsync(Configure, clock: clock);
        try
        {
            return new SharedNodes(a, await TestServer.StartAsync(Configure, clock: clock), prefix);
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>Posts NDJSON lines; the events accepted (0 when the whole request was refused with 429). Any other answer fails.</summary>
    public static async Task<int> AcceptedAsync(TestServer node, IEnumerable<string> lines)
    {
        var (status, body, _) = await node.PostAsync("/api/ingest", string.Join('\n', lines), "application/x-ndjson");
        Assert.True(status is 200 or 429, $"ingest answered {status}: {body}");
        return status == 200 ? body.GetProperty("accepted").GetInt32() : 0;
    }

    /// <summary>The named component of a node's <c>GET /api/traffic-logs/v2/health</c>.</summary>
    public static async Task<JsonElement> ComponentAsync(TestServer node, string name)
    {
        var health = await node.GetJsonAsync("/api/traffic-logs/v2/health");
        return health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
