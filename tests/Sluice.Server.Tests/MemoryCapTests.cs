using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Ingest;
using Sluice.Server.Tests.Support;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>Requests waiting for a slow log hold bounded memory: past the cap they are refused, never dropped once acknowledged.</summary>
public sealed class MemoryCapTests
{
    [Fact]
    public async Task With_a_slow_log_the_server_refuses_past_the_cap_and_keeps_every_acknowledged_event()
    {
        await using var server = await TestServer.StartAsync(o => o with { Memory = o.Memory with { MaxUnflushedMb = 1, WaitMs = 200 } });
        var store = server.App.Services.GetRequiredService<EventStore>();
        var budget = server.App.Services.GetRequiredService<IngestMemory>().Unflushed;
        store.Wal.CommitDelay = TimeSpan.FromMilliseconds(400); // fault injection: a slow disk

        // 12 clients × 3 requests of ~150 KB (≈ 300 KB reserved each): a 1 MiB cap holds three at a time.
        var acknowledged = new ConcurrentBag<string>();
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 12).Select(client => Task.Run(async () =>
        {
            for (var r = 0; r < 3; r++)
            {
                var ids = Enumerable.Range(0, 500).Select(i => $"m{client}-{r}-{i}").ToList();
                var body = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","message":"{{new string('x', 250)}}"}"""));
                var (status, json, response) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
                if (status == 200)
                {
                    ids.ForEach(acknowledged.Add);
                }
                else
                {
                    Assert.Equal(503, status);
                    Assert.Equal("memory_full", json.GetProperty("code").GetString());
                    Assert.Equal("1", response.Headers.RetryAfter!.ToString());
                    Interlocked.Increment(ref refused);
                }
            }
        })));

        Assert.True(refused > 0, "the cap never refused a request");
        Assert.True(acknowledged.Count > 0, "nothing got through");
        Assert.True(budget.Peak <= budget.Capacity, $"held {budget.Peak} bytes at once, cap {budget.Capacity}");
        Assert.Equal(0, budget.Used);

        store.Wal.CommitDelay = TimeSpan.Zero;
        var stored = (await Api.SearchAllAsync(server, "q=", 5000)).Select(Api.Id).ToList();
        Assert.Equal(acknowledged.Order(), stored.Order());
    }

    [Fact]
    public async Task One_request_larger_than_the_cap_still_gets_through_alone()
    {
        await using var server = await TestServer.StartAsync(o => o with { Memory = o.Memory with { MaxUnflushedMb = 1 } });
        var body = string.Join('\n', Enumerable.Range(0, 4000).Select(i => $$"""{"id":"big{{i}}","message":"{{new string('y', 300)}}"}"""));
        var (status, json, _) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
        Assert.True(status == 200, json.ToString());
        Assert.Equal(4000, json.GetProperty("accepted").GetInt32());
    }
}
