using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// The ClickHouse sink: every acknowledged event reaches ClickHouse once, with what the node stores; across a restart,
/// an outage of ClickHouse, and two nodes writing into two shards behind Distributed tables.
/// </summary>
public sealed class ClickHouseSinkTests
{
    [ClickHouseFact]
    public async Task Every_acknowledged_event_reaches_clickhouse_once_with_the_fields_the_node_stores()
    {
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var server = await TestServer.StartAsync(o => Shipping(o, ClickHouseFactAttribute.Url!, database));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(server, [.. Enumerable.Range(0, 300).Select(i =>
            $$$"""{"id":"l{{{i}}}","timestamp":{{{now - i}}},"level":"{{{(i % 3 == 0 ? "error" : "info")}}}","message":"élan {{{i}}} \"quoted\"","service":"svc{{{i % 4}}}","trace_id":"t{{{i % 7}}}","metadata":{"order":"{{{i}}}","note":"a\tb"}}""")]);
        await Api.PostAsync(server, [.. Enumerable.Range(0, 200).Select(i =>
            $$"""{"id":"r{{i}}","kind":"traffic","timestamp":{{now - i}},"domain":"shop.example","path":"/p/{{i}}","status":{{(i % 2 == 0 ? 200 : 503)}},"decision":"allow","ip":"198.51.100.{{i % 9}}"}""")]);

        var clickhouse = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        await WaitUntilAsync(async () => await clickhouse.ScalarAsync($"SELECT count() FROM {database}.events") == "500");
        Assert.Equal("", await clickhouse.ScalarAsync($"SELECT id FROM {database}.events GROUP BY id HAVING count() > 1"));
        Assert.Equal("300\t200", await clickhouse.ScalarAsync($"SELECT (SELECT count() FROM {database}.logs), (SELECT count() FROM {database}.traffic)"));

        // The same event, as the node answers it and as ClickHouse holds it.
        foreach (var id in new[] { "l0", "l3", "l299", "r1", "r198" })
        {
            var stored = await server.GetJsonAsync($"/api/logs/{id}");
            var row = JsonDocument.Parse(await clickhouse.ScalarAsync(
                $"SELECT * FROM {database}.events WHERE id = '{id}' FORMAT JSONEachRow")).RootElement;
            Assert.Equal(stored.GetProperty("timestamp").GetInt64(), row.GetProperty("timestamp").GetInt64());
            foreach (var field in stored.EnumerateObject().Where(f => f.Name is not ("timestamp" or "time" or "attributes" or "kind" or "level")))
            {
                Assert.True(row.TryGetProperty(field.Name, out var column), $"ClickHouse has no column {field.Name}");
                Assert.Equal(field.Value.ToString(), column.ToString());
            }

            if (stored.TryGetProperty("attributes", out var attributes))
            {
                var keys = row.GetProperty("attr_keys").EnumerateArray().Select(k => k.GetString()!).ToList();
                var values = row.GetProperty("attr_values").EnumerateArray().Select(k => k.GetString()!).ToList();
                Assert.Equal(attributes.EnumerateObject().Select(a => (a.Name, a.Value.GetString()!)), keys.Zip(values));
                Assert.Equal(attributes.ToString(), JsonDocument.Parse(row.GetProperty("attributes").GetString()!).RootElement.ToString());
            }
        }
    }

    [ClickHouseFact]
    public async Task A_restarted_node_and_a_clickhouse_that_was_away_end_with_every_event_once()
    {
        await using var clickhouse = await PrivateClickHouse.StartAsync();
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var server = await TestServer.StartAsync(o => Shipping(o, clickhouse.Url, database));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Line(int i) => $$"""{"id":"k{{i}}","timestamp":{{now + i}},"message":"m{{i}}"}""";
        await Api.PostAsync(server, [.. Enumerable.Range(0, 100).Select(Line)]);
        var http = new ClickHouseHttp(clickhouse.Url);
        await WaitUntilAsync(async () => await http.ScalarAsync($"SELECT count() FROM {database}.logs") == "100");

        await clickhouse.StopAsync();
        for (var i = 100; i < 400; i += 50)
        {
            await Api.PostAsync(server, [.. Enumerable.Range(i, 50).Select(Line)]); // acknowledged from the local WAL throughout
        }

        await server.RestartAsync(o => Shipping(o, clickhouse.Url, database)); // its cursor is behind: it resends from there
        await Api.PostAsync(server, [.. Enumerable.Range(400, 50).Select(Line)]);
        await clickhouse.StartAgainAsync();
        await WaitUntilAsync(async () => await http.ScalarAsync($"SELECT count() FROM {database}.logs") == "450", seconds: 60);
        await Task.Delay(1_500); // one more linger: nothing further may arrive
        Assert.Equal("450\t450", await http.ScalarAsync($"SELECT count(), uniqExact(id) FROM {database}.logs"));
    }

    [ClickHouseFact]
    public async Task Two_nodes_write_into_two_shards_and_the_distributed_tables_hold_every_event_once()
    {
        var (first, second) = await PrivateClickHouse.StartPairAsync();
        await using var shard0 = first;
        await using var shard1 = second;
        var database = ClickHouseFactAttribute.NewDatabase();
        SluiceOptions Node(SluiceOptions o, int shard) => Shipping(o, shard0.Url, database) with
        {
            ClickHouse = Shipping(o, shard0.Url, database).ClickHouse with { Shards = $"{shard0.Url},{shard1.Url}", Shard = shard },
        };
        await using var a = await TestServer.StartAsync(o => Node(o, 0));
        await using var b = await TestServer.StartAsync(o => Node(o, 1));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(a, [.. Enumerable.Range(0, 120).Select(i => $$"""{"id":"a{{i}}","timestamp":{{now + i}},"message":"from a"}""")]);
        await Api.PostAsync(b, [.. Enumerable.Range(0, 80).Select(i => $$"""{"id":"b{{i}}","kind":"traffic","timestamp":{{now + i}},"domain":"d.example","ip":"192.0.2.1"}""")]);
        await Api.PostAsync(b, [.. Enumerable.Range(0, 30).Select(i => $$"""{"id":"c{{i}}","timestamp":{{now + i}},"message":"from b"}""")]);

        var reader = new ClickHouseHttp(shard0.Url);
        await WaitUntilAsync(async () => await reader.ScalarAsync($"SELECT count() FROM {database}.events") == "230");
        Assert.Equal("230", await reader.ScalarAsync($"SELECT uniqExact(id) FROM {database}.events"));
        Assert.Equal("120\t0", await new ClickHouseHttp(shard0.Url).ScalarAsync($"SELECT (SELECT count() FROM {database}.logs_local), (SELECT count() FROM {database}.traffic_local)"));
        Assert.Equal("30\t80", await new ClickHouseHttp(shard1.Url).ScalarAsync($"SELECT (SELECT count() FROM {database}.logs_local), (SELECT count() FROM {database}.traffic_local)"));
    }

    internal static SluiceOptions Shipping(SluiceOptions o, string url, string database) => o with
    {
        ClickHouse = o.ClickHouse with { Url = url, Database = database, LingerMs = 100, TimeoutMs = 2_000 },
        Breakers = o.Breakers with { OpenSeconds = 1 },
    };

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}

/// <summary>Statements to a ClickHouse over its HTTP interface, answers as trimmed text (empty while it is away).</summary>
internal sealed class ClickHouseHttp(string url)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<string> ScalarAsync(string sql)
    {
        try
        {
            using var response = await Http.PostAsync(url + "/?output_format_json_quote_64bit_integers=0", new StringContent(sql));
            var text = (await response.Content.ReadAsStringAsync()).Trim();
            return response.IsSuccessStatusCode ? text : "error: " + text;
        }
        catch (HttpRequestException e)
        {
            return "unreachable: " + e.Message;
        }
    }
}
