using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Resent events are stored once and still answered as accepted — concurrently, by content, across a restart.</summary>
public sealed class DedupApiTests
{
    [Fact]
    public async Task Concurrent_retries_of_one_batch_are_stored_once()
    {
        await using var server = await TestServer.StartAsync();
        var body = string.Join('\n', Enumerable.Range(0, 300).Select(i => $$"""{"id":"retry-{{i}}","message":"payment {{i}}"}"""));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => server.PostAsync("/api/ingest", body, "application/x-ndjson")));
        Assert.All(answers, a => Assert.Equal((200, 300), (a.Status, a.Body.GetProperty("accepted").GetInt32())));
        Assert.Equal(7 * 300, answers.Sum(a => a.Body.TryGetProperty("duplicates", out var d) ? d.GetInt32() : 0));

        var stored = (await Api.SearchAllAsync(server, "q=")).Select(Api.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"retry-{i}").Order(), stored.Order());
        Assert.Contains("sluice_ingest_deduplicated_total{endpoint=\"/api/ingest\"} 2100", await server.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Events_without_ids_match_by_content_only_when_they_carry_their_own_time()
    {
        await using var server = await TestServer.StartAsync();
        const string timed = """{"timestamp":"2026-01-01T10:00:00Z","message":"disk full","service":"db"}""";
        const string untimed = """{"message":"heartbeat","service":"db"}""";
        for (var i = 0; i < 2; i++)
        {
            var (status, body, _) = await server.PostAsync("/api/ingest", timed + "\n" + untimed, "application/x-ndjson");
            Assert.Equal((200, 2), (status, body.GetProperty("accepted").GetInt32()));
        }

        var events = await Api.SearchAllAsync(server, "service=db");
        Assert.Single(events, e => e.GetProperty("message").GetString() == "disk full");
        Assert.Equal(2, events.Count(e => e.GetProperty("message").GetString() == "heartbeat"));
    }

    [Fact]
    public async Task A_batch_logged_before_a_restart_is_recognised_when_the_client_sends_it_again()
    {
        await using var server = await TestServer.StartAsync();
        var body = string.Join('\n', Enumerable.Range(0, 50).Select(i => $$"""{"id":"before-{{i}}","message":"m{{i}}"}"""));
        Assert.Equal(200, (await server.PostAsync("/api/ingest", body, "application/x-ndjson")).Status);
        await server.RestartAsync();

        var (status, answer, _) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
        Assert.Equal(200, status);
        Assert.Equal(50, answer.GetProperty("duplicates").GetInt32());
        Assert.Equal(50, (await Api.SearchAllAsync(server, "q=")).Count);
    }

    [Fact]
    public async Task Turned_off_every_copy_is_stored()
    {
        await using var server = await TestServer.StartAsync(o => o with { Dedup = o.Dedup with { Enabled = false } });
        const string body = """{"id":"same","message":"again"}""";
        Assert.Equal(200, (await server.PostAsync("/api/ingest", body)).Status);
        Assert.Equal(200, (await server.PostAsync("/api/ingest", body)).Status);
        Assert.Equal(2, (await Api.SearchAllAsync(server, "q=")).Count);
    }
}
