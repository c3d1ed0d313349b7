using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>The query API over events still in memory.</summary>
public sealed class QueryApiTests : QueryApiContract
{
    protected override bool Sealed => false;
}

/// <summary>The same answers once every event is in sealed Parquet parts and memory is empty (flush, restart).</summary>
public sealed class SealedQueryApiTests : QueryApiContract
{
    protected override bool Sealed => true;
}

public abstract class QueryApiContract : IAsyncLifetime
{
    private const long Base = 1_751_119_200_000; // 2025-06-28T14:00:00Z
    private TestServer _server = null!;

    protected abstract bool Sealed { get; }

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        var events = new[]
        {
            """{"id":"q1","timestamp":1751119200000,"message":"Payment TIMEOUT at gateway","level":"error","service":"payments","system":"backend","domain":"shop.example","user_id":"u1","trace_id":"tr-1"}""",
            """{"id":"q2","timestamp":1751119260000,"message":"payment ok","level":"info","service":"payments","system":"backend","domain":"shop.example","user_id":"u2","trace_id":"tr-1"}""",
            """{"id":"q3","timestamp":1751119230000,"message":"render","level":"debug","service":"web","system":"browser","domain":"blog.example","user_id":"u1","trace_id":"tr-1"}""",
            """{"id":"q4","timestamp":1751122800000,"message":"timeout in worker","level":"warn","service":"edge","system":"worker","domain":"shop.example","trace_id":"tr-2"}""",
        };
        var (status, _, _) = await _server.PostAsync("/api/ingest", string.Join('\n', events), "application/x-ndjson");
        Assert.Equal(200, status);
        if (Sealed)
        {
            Assert.Equal(200, (await _server.PostAsync("/api/admin/flush", "")).Status);
            await _server.RestartAsync();
            var stats = await _server.GetJsonAsync("/api/storage/stats");
            Assert.Equal(0, stats.GetProperty("hot").GetProperty("events").GetInt64());
            Assert.Equal(4, stats.GetProperty("partitions").GetProperty("log").GetProperty("events").GetInt64());
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("level=error", "q1")]
    [InlineData("level=error,warn", "q4,q1")]
    [InlineData("service=payments", "q2,q1")]
    [InlineData("system=browser", "q3")]
    [InlineData("domain=shop.example&order=asc", "q1,q2,q4")]
    [InlineData("trace_id=tr-1&order=asc", "q1,q3,q2")]
    [InlineData("user_id=u1", "q3,q1")]
    [InlineData("q=timeout", "q4,q1")]
    [InlineData("q=TIMEOUT&service=edge", "q4")]
    [InlineData("start_time=2025-06-28T14:00:30Z&end_time=1751119260000", "q3")]
    [InlineData("start_time=1751119200&end_time=2025-06-28T15:00:00Z&order=asc", "q1,q3,q2")]
    [InlineData("service=nobody", "")]
    public async Task Search_filters_combine(string query, string expectedIds)
    {
        var found = await _server.GetJsonAsync("/api/logs/search?" + query);
        var ids = string.Join(',', found.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(expectedIds, ids);
    }

    [Fact]
    public async Task Trace_lookup_returns_the_trace_in_time_order()
    {
        var trace = await _server.GetJsonAsync("/api/traces/tr-1");
        Assert.Equal("tr-1", trace.GetProperty("trace_id").GetString());
        Assert.Equal(["q1", "q3", "q2"], trace.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Unknown_id_and_trace_are_404_problems()
    {
        using var byId = await _server.Http.GetAsync("/api/logs/nope");
        Assert.Equal(404, (int)byId.StatusCode);
        Assert.Contains("\"code\":\"not_found\"", await byId.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var trace = await _server.Http.GetAsync("/api/traces/nope");
        Assert.Equal(404, (int)trace.StatusCode);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("level=loud", "level")]
    [InlineData("start_time=yesterday", "start_time")]
    [InlineData("order=sideways", "order")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("kind=metric", "kind")]
    public async Task Bad_parameters_are_named(string query, string field)
    {
        using var response = await _server.Http.GetAsync("/api/logs/search?" + query);
        Assert.Equal(400, (int)response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Limit_default_is_100_and_max_is_10000()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 10_050).Select(i => $$"""{"message":"bulk {{i}}","service":"bulk"}"""));
        var (status, _, _) = await _server.PostAsync("/api/ingest", lines, "application/x-ndjson");
        Assert.Equal(200, status);
        var page = await _server.GetJsonAsync("/api/logs/search?service=bulk");
        Assert.Equal(100, page.GetProperty("events").GetArrayLength());
        var big = await _server.GetJsonAsync("/api/logs/search?service=bulk&limit=10000");
        Assert.Equal(10_000, big.GetProperty("events").GetArrayLength());
        Assert.Equal(JsonValueKind.String, big.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Cursor_pages_through_everything_once_while_ingest_continues()
    {
        var initial = Enumerable.Range(0, 500).Select(i => $"page-{i}").ToList();
        var lines = string.Join('\n', initial.Select((id, i) => $$"""{"id":"{{id}}","message":"m","service":"paging","timestamp":{{Base + (i * 7919 % 500) * 1000}}}"""));
        Assert.Equal(200, (await _server.PostAsync("/api/ingest", lines, "application/x-ndjson")).Status);

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var more = string.Join('\n', Enumerable.Range(0, 20).Select(i => $$"""{"id":"late-{{n}}-{{i}}","message":"m","service":"paging","timestamp":{{Base + (i * 37 % 500) * 1000}}}"""));
                await _server.PostAsync("/api/ingest", more, "application/x-ndjson");
                n++;
            }
        });

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _server.GetJsonAsync($"/api/logs/search?service=paging&limit=33{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        await stop.CancelAsync();
        await writer;

        var fromStart = seen.Where(id => id.StartsWith("page-", StringComparison.Ordinal)).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(initial.Order(), fromStart.Order());
    }
}
