using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Server.Tests.Support;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>A query's deadline, its row cap, its caller going away, and the engine's own sandbox.</summary>
public sealed class QueryLimitsTests
{
    private static IEnumerable<string> Lines(int count) =>
        Enumerable.Range(0, count).Select(i => $$"""{"id":"z{{i}}","timestamp":{{1_767_243_600_000 + i}},"level":"info","message":"m{{i}}","service":"s{{i % 3}}"}""");

    [Fact]
    public async Task A_query_past_its_deadline_is_stopped_with_504_and_the_server_goes_on()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { TimeoutMs = 300 } });
        await Api.PostAsync(server, Lines(2000));
        var sql = JsonSerializer.Serialize(new { sql = "SELECT count(*) FROM events a, events b, events c, events d WHERE a.message < b.message" });
        var (status, body, _) = await server.PostAsync("/api/logs/analytics/custom", sql);
        Assert.Equal(504, status);
        Assert.Equal("query_timeout", body.GetProperty("code").GetString());
        Assert.Contains("Query:TimeoutMs", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = "| stats count() as n" }));
        Assert.Equal(200, status);
        Assert.Equal(2000, body.GetProperty("rows")[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task Answers_are_cut_at_the_row_cap_and_say_so()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5 } });
        await Api.PostAsync(server, Lines(50));
        foreach (var request in new object[] { new { query = "| fields message" }, new { query = "service:s1" }, new { sql = "SELECT * FROM logs" } })
        {
            var (status, body, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(request));
            Assert.Equal(200, status);
            Assert.True(body.GetProperty("truncated").GetBoolean());
            Assert.Equal(5, body.GetProperty("row_count").GetInt32());
        }

        var (_, small, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = "| stats count() by service" }));
        Assert.False(small.GetProperty("truncated").GetBoolean());
        Assert.Equal(3, small.GetProperty("row_count").GetInt32());

        // Counts read from the stored summaries obey the same cap.
        await Api.PostAsync(server, Enumerable.Range(0, 8).Select(i => $$"""{"id":"w{{i}}","timestamp":{{1_767_243_600_000 + i}},"message":"m","service":"wide{{i}}"}"""));
        var (_, wide, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = "| stats count() by service" }));
        Assert.True(wide.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        Assert.True(wide.GetProperty("truncated").GetBoolean());
        Assert.Equal(5, wide.GetProperty("row_count").GetInt32());
    }

    [Fact]
    public async Task A_query_whose_caller_cancels_stops_at_once_rather_than_at_its_deadline()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { TimeoutMs = 600_000 } });
        await Api.PostAsync(server, Lines(2000));
        var analytics = server.App.Services.GetRequiredService<IQueryEngine>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var run = Task.Run(() => analytics.RunSql("SELECT count(*) FROM events a, events b, events c, events d WHERE a.message < b.message", false, cancel.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task A_relative_time_filter_covers_the_same_range_on_every_page()
    {
        const long now = 1_767_250_800_000;
        var clock = new ManualClock(now);
        await using var server = await TestServer.StartAsync(clock: clock);
        var lines = Enumerable.Range(1, 59).Select(m => $$"""{"id":"r{{m}}","timestamp":{{now - (m * 60_000L)}},"message":"m"}""");
        await Api.PostAsync(server, lines);
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await server.GetJsonAsync($"/api/logs/search?query=_time:1h&limit=10{(cursor is null ? "" : "&cursor=" + cursor)}");
            ids.AddRange(page.GetProperty("events").EnumerateArray().Select(Api.Id));
            cursor = page.GetProperty("next_cursor").GetString();
            clock.Advance(TimeSpan.FromMinutes(20));
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Range(1, 59).Select(m => $"r{m}"), ids);
    }

    [Fact]
    public async Task The_engine_for_user_sql_cannot_read_other_files_or_unlock_itself()
    {
        await using var server = await TestServer.StartAsync();
        var store = server.App.Services.GetRequiredService<EventStore>();
        using var connection = store.Sandbox.Rent();
        foreach (var sql in new[]
        {
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM read_text('/etc/hostname')",
            $"COPY (SELECT 1) TO '{Path.Combine(Path.GetTempPath(), "sluice-sandbox-leak.csv")}'",
            "SET enable_external_access = true",
            "SET allowed_directories = ['/']",
            "INSTALL httpfs",
        })
        {
            using var command = connection.Command(sql);
            Assert.ThrowsAny<DuckDBException>(() => command.ExecuteNonQuery());
        }

        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "sluice-sandbox-leak.csv")));
    }
}
