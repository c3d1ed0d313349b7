using System.Text.Json;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A server holding one closed hour of traffic (2026-01-01T00Z) under the <c>traffic</c> quota profile, posted fast
/// enough that part of it is sampled: 10 batches of 100 events, then 20 of 2,000, flushed, and the clock moved two
/// hours on so the hour is whole and closed. The stored-detail suites check that sampled events go to the engine
/// or are counted by their weights.
/// </summary>
public static class SampledTraffic
{
    public static async Task<TestServer> StartAsync()
    {
        const long hourStart = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        var clock = new ManualClock(hourStart + 60_000);
        var server = await TestServer.StartAsync(o => o with { Quotas = o.Quotas with { Profile = "traffic" } }, clock: clock);
        var random = new Random(5);
        string Batch(int size) => string.Join('\n', Enumerable.Range(0, size).Select(i =>
        {
            var decision = new[] { "allow", "allow", "block", "challenge" }[random.Next(4)];
            return JsonSerializer.Serialize(new { domain = $"d{random.Next(3)}.example", country = new[] { "DE", "US", "FR" }[random.Next(3)], decision, reason = decision == "allow" ? null : "bot", ip = $"10.0.{i % 200}.{random.Next(250)}" });
        }));
        try
        {
            for (var b = 0; b < 30; b++)
            {
                await server.PostAsync("/api/traffic-logs/v2", Batch(b < 10 ? 100 : 2000), "application/x-ndjson");
            }

            await Api.FlushAsync(server);
            clock.Advance(TimeSpan.FromHours(2));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
