using System.Collections.Concurrent;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Quota rules shared by two nodes through a real Redis: the limits hold to the event across them.</summary>
public sealed class SharedQuotaTests
{
    [RedisFact]
    public async Task Eight_clients_on_two_nodes_get_exactly_the_limit_between_them()
    {
        const int Limit = 150;
        var clock = new ManualClock(SharedNodes.HourStart + (5 * 60_000));
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o with { Quotas = o.Quotas with { Rules = $"global:{Limit}/1h" } }, clock);

        // 8 clients, 4 on each node, sending batches of 1 to 7 events until the limit refuses them: 40 requests each.
        var accepted = await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            var sum = 0;
            for (var i = 0; i < 40; i++)
            {
                var size = 1 + ((client + i) % 7);
                sum += await SharedNodes.AcceptedAsync(nodes[client], Enumerable.Range(0, size).Select(e => $$"""{"message":"c{{client}} r{{i}} e{{e}}"}"""));
            }

            return sum;
        })));

        Assert.Equal(Limit, accepted.Sum());
        Assert.True(accepted.Where((_, c) => c % 2 == 0).Sum() > 0 && accepted.Where((_, c) => c % 2 == 1).Sum() > 0, "both nodes admitted events");
        var stored = (await Api.SearchAllAsync(nodes.A, "q=")).Count + (await Api.SearchAllAsync(nodes.B, "q=")).Count;
        Assert.Equal(Limit, stored);
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            Assert.Equal(0, await SharedNodes.AcceptedAsync(node, ["""{"message":"one more"}"""]));
            var quotas = await SharedNodes.ComponentAsync(node, "quotas");
            Assert.Equal(("ok", "shared"), (quotas.GetProperty("status").GetString(), quotas.GetProperty("details").GetProperty("state").GetString()));
            Assert.Equal(0, quotas.GetProperty("details").GetProperty("local_events").GetInt64());
        }
    }

    [RedisFact]
    public async Task The_dev_logging_profile_holds_across_two_nodes()
    {
        var clock = new ManualClock(SharedNodes.HourStart + (20 * 60_000));
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o with { Quotas = o.Quotas with { Profile = "dev-logging" } }, clock);

        // Each phase: 8 clients, 4 on each node, 10 events a request.
        async Task<int> Phase(int requestsPerClient, Func<int, int, string> line) =>
            (await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
            {
                var sum = 0;
                for (var r = 0; r < requestsPerClient; r++)
                {
                    sum += await SharedNodes.AcceptedAsync(nodes[client], Enumerable.Range(0, 10).Select(e => line(client, (r * 10) + e)));
                }

                return sum;
            })))).Sum();

        // Browser events, a trace per client (60 each, under the 100 a trace): the browser share of 40 % holds.
        Assert.Equal(400, await Phase(6, (c, i) => $$"""{"message":"click {{i}}","system":"browser","trace_id":"browser-{{c}}"}"""));
        // Backend events of one trace: its 100 an hour hold, though the backend share (300) has room.
        Assert.Equal(100, await Phase(2, (c, i) => $$"""{"message":"step {{c}}.{{i}}","system":"backend","trace_id":"job-1"}"""));
        // Worker events, a trace per client: the worker share of 30 %.
        Assert.Equal(300, await Phase(4, (c, i) => $$"""{"message":"edge {{i}}","system":"worker","trace_id":"worker-{{c}}"}"""));
        // Events of no share: only the global 1,000 an hour is left to bind (1,000 − 800).
        Assert.Equal(200, await Phase(4, (c, i) => $$"""{"message":"tool {{i}}","system":"cli","trace_id":"cli-{{c}}-{{i / 20}}"}"""));
        Assert.Equal(1000, (await Api.SearchAllAsync(nodes.A, "q=")).Count + (await Api.SearchAllAsync(nodes.B, "q=")).Count);

        // The next hour opens new windows on both nodes.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await SharedNodes.AcceptedAsync(nodes.B, ["""{"message":"next hour","system":"browser"}"""]));
    }

    [RedisFact]
    public async Task A_node_in_its_own_process_shares_the_limit_with_an_in_process_node()
    {
        // The process runs on the real clock, so the window is a week: a test crossing its edge is very unlikely.
        const int Limit = 60;
        var rules = $"global:{Limit}/7d";
        var prefix = RedisFactAttribute.NewPrefix();
        await using var a = await TestServer.StartAsync(o => o with
        {
            Quotas = o.Quotas with { Rules = rules },
            Redis = o.Redis with { Url = RedisFactAttribute.Url!, KeyPrefix = prefix, NodeCount = 2 },
        });
        var dataDir = TestServer.NewDataDir();
        try
        {
            using var b = await SluiceProcess.StartAsync(dataDir, SluiceProcess.FreePort(), new Dictionary<string, string>
            {
                ["SLUICE_REDIS"] = RedisFactAttribute.Url!,
                ["SLUICE__Redis__KeyPrefix"] = prefix,
                ["SLUICE__Redis__NodeCount"] = "2",
                ["SLUICE__Quotas__Rules"] = rules,
            });
            using var http = new HttpClient { BaseAddress = b.Url };
            var statuses = new ConcurrentBag<int>();
            var accepted = await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
            {
                var sum = 0;
                for (var i = 0; i < 12; i++)
                {
                    var body = string.Join('\n', Enumerable.Range(0, 1 + (i % 3)).Select(e => $$"""{"message":"p{{client}} {{i}} {{e}}"}"""));
                    if (client % 2 == 0)
                    {
                        sum += await SharedNodes.AcceptedAsync(a, [body]);
                        continue;
                    }

                    using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson");
                    using var response = await http.PostAsync("/api/ingest", content);
                    statuses.Add((int)response.StatusCode);
                    if (response.IsSuccessStatusCode)
                    {
                        sum += JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accepted").GetInt32();
                    }
                }

                return sum;
            })));

            Assert.All(statuses, s => Assert.True(s is 200 or 429, $"the process answered {s}"));
            Assert.Equal(Limit, accepted.Sum());
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
