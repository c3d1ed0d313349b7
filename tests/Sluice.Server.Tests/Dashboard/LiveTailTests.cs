using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Dashboard;

/// <summary>Live tail over a WebSocket and as server-sent events: filters, latency, caps, scope, and a stalled reader.</summary>
public sealed class LiveTailTests
{
    [Fact]
    public async Task A_websocket_subscriber_gets_matching_events_within_a_second_of_their_ack()
    {
        await using var server = await TestServer.StartAsync();
        await using var tail = await TailClient.ConnectAsync(server.Http.BaseAddress!, "level:error service:checkout");
        await WaitSubscribedAsync(server, 1);

        var acked = Stopwatch.StartNew();
        await Api.PostAsync(server, [
            """{"id":"t-skip","message":"not this one","level":"info","service":"checkout"}""",
            """{"id":"t-other","message":"nor this","level":"error","service":"billing"}""",
            """{"id":"t-hit","message":"card declined","level":"error","service":"checkout"}""",
        ]);
        acked.Restart();
        var message = await tail.ReceiveTypeAsync("event", TimeSpan.FromSeconds(5));
        var latency = acked.Elapsed;

        var e = message.GetProperty("event");
        Assert.Equal("t-hit", e.GetProperty("id").GetString());
        Assert.Equal("card declined", e.GetProperty("message").GetString());
        Assert.True(latency < TimeSpan.FromSeconds(1), $"the event arrived {latency.TotalMilliseconds:F0} ms after its ack");
        Assert.Null(await tail.ReceiveAsync(TimeSpan.FromMilliseconds(300))); // the others never come
    }

    [Fact]
    public async Task Server_sent_events_stream_the_matching_events()
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/logs/tail?query=" + Uri.EscapeDataString("service:sse"));
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await WaitSubscribedAsync(server, 1);

        await Api.PostAsync(server, ["""{"id":"s-1","message":"other","service":"elsewhere"}""", """{"id":"s-2","message":"streamed","service":"sse"}"""]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        string? line;
        while ((line = await reader.ReadLineAsync(cancel.Token)) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
        }

        var e = JsonDocument.Parse(line!["data: ".Length..]).RootElement;
        Assert.Equal("s-2", e.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_bad_filter_is_named_at_its_position_on_both_transports()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Http.GetAsync("/api/logs/tail?query=" + Uri.EscapeDataString("level:error | stats count()"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_query", problem.GetProperty("code").GetString());
        Assert.Equal(13, problem.GetProperty("position").GetInt32());

        await using var tail = await TailClient.ConnectAsync(server.Http.BaseAddress!, "service:(a");
        var error = await tail.ReceiveTypeAsync("error", TimeSpan.FromSeconds(5));
        Assert.Equal("invalid_query", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("position").GetInt32() > 0, TailClient.Text(error));
        Assert.Null(await tail.ReceiveAsync(TimeSpan.FromSeconds(2))); // then the server closes
    }

    [Fact]
    public async Task A_tail_filter_with_relative_time_is_refused_since_it_would_match_nothing_new()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Http.GetAsync("/api/logs/tail?query=" + Uri.EscapeDataString("level:error _time:5m"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_query", problem.GetProperty("code").GetString());
        Assert.Equal("query", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Subscribers_past_the_cap_are_refused_and_a_place_frees_when_one_leaves()
    {
        await using var server = await TestServer.StartAsync(o => o with { Tail = new TailOptions { MaxSubscribers = 1 } });
        var first = await TailClient.ConnectAsync(server.Http.BaseAddress!);
        await WaitSubscribedAsync(server, 1);

        using var refused = await server.Http.GetAsync("/api/logs/tail", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        await using (var second = await TailClient.ConnectAsync(server.Http.BaseAddress!))
        {
            var error = await second.ReceiveTypeAsync("error", TimeSpan.FromSeconds(5));
            Assert.Equal("too_many_subscribers", error.GetProperty("code").GetString());
        }

        await first.DisposeAsync();
        await WaitSubscribedAsync(server, 0);
        await using var third = await TailClient.ConnectAsync(server.Http.BaseAddress!);
        await WaitSubscribedAsync(server, 1);
    }

    [Fact]
    public async Task Tailing_needs_the_read_scope_and_a_websocket_from_another_site_is_refused()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = "tail-ingest-key-1:ingest,tail-read-key-22:read" } });
        var url = server.Http.BaseAddress!;
        await Assert.ThrowsAsync<WebSocketException>(() => TailClient.ConnectAsync(url, "", o => o.SetRequestHeader("X-Api-Key", "tail-ingest-key-1")));
        await Assert.ThrowsAsync<WebSocketException>(() => TailClient.ConnectAsync(url));
        await Assert.ThrowsAsync<WebSocketException>(() => TailClient.ConnectAsync(url, "", o =>
        {
            o.SetRequestHeader("X-Api-Key", "tail-read-key-22");
            o.SetRequestHeader("Origin", "https://evil.example");
        }));
        await using var allowed = await TailClient.ConnectAsync(url, "", o => o.SetRequestHeader("X-Api-Key", "tail-read-key-22"));

        using var sse = new HttpRequestMessage(HttpMethod.Get, "/api/logs/tail");
        sse.Headers.Add("X-Api-Key", "tail-ingest-key-1");
        using var forbidden = await server.Http.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task A_subscriber_is_sent_at_most_its_events_per_second_and_told_of_the_rest()
    {
        await using var server = await TestServer.StartAsync(o => o with { Tail = new TailOptions { MaxEventsPerSecond = 10 } });
        await using var tail = await TailClient.ConnectAsync(server.Http.BaseAddress!);
        await WaitSubscribedAsync(server, 1);
        await Api.PostAsync(server, Enumerable.Range(0, 100).Select(i => $$"""{"message":"burst {{i}}","service":"burst"}"""));

        var (received, skipped) = await CountAsync(tail, 100);

        Assert.Equal(100, received + skipped);
        Assert.InRange(received, 10, 20); // one request lands within one second, or two at most
    }

    [Fact]
    public async Task Stopping_the_server_ends_open_tails_at_once()
    {
        var server = await TestServer.StartAsync();
        await using var tail = await TailClient.ConnectAsync(server.Http.BaseAddress!);
        using var sse = await server.Http.GetAsync("/api/logs/tail", HttpCompletionOption.ResponseHeadersRead);
        await WaitSubscribedAsync(server, 2);

        var stopping = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"the server took {stopping.Elapsed.TotalSeconds:F1} s to stop with two tails open");
    }

    /// <summary>
    /// A subscriber that never reads while a million events arrive: every request is acknowledged, the server holds
    /// no more for it than its buffer, and when it reads at last, the events it got and the skips it was told add
    /// up to exactly what was sent.
    /// </summary>
    [Fact]
    public async Task A_stalled_subscriber_neither_slows_ingest_nor_grows_memory_and_is_told_what_it_missed()
    {
        const int Events = 1_000_000, Batch = 5_000;
        await using var server = await TestServer.StartAsync(o => o with { Durability = DurabilityMode.None, Tail = new TailOptions { BufferEvents = 1_000, MaxPendingKb = 4 * 1024 } });
        await using var stalled = await TailClient.ConnectAsync(server.Http.BaseAddress!);
        await WaitSubscribedAsync(server, 1);

        var body = string.Join('\n', Enumerable.Range(0, Batch).Select(i => $$"""{"message":"stalled reader test {{i}}","service":"stall","level":"info"}"""));
        var batches = Enumerable.Range(0, Events / Batch).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, cancel) =>
        {
            var (status, answer, _) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
            Assert.True(status == 200 && answer.GetProperty("accepted").GetInt32() == Batch, $"{status}: {answer}");
        });

        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.True(Metric(metrics, "sluice_tail_pending_peak_bytes") <= 4 * 1024 * 1024, metrics);

        var (received, skipped) = await CountAsync(stalled, Events);

        Assert.Equal(Events, received + skipped);
        Assert.True(skipped > 0, "a reader that never read should have missed events");
        Assert.True(received < 100_000, $"{received} events reached a reader that never read: something buffered them");
    }

    /// <summary>Events received and skips told, until they add up to <paramref name="expected"/> or 15 s pass quietly.</summary>
    private static async Task<(long Received, long Skipped)> CountAsync(TailClient tail, long expected)
    {
        long received = 0, skipped = 0;
        while (received + skipped < expected && await tail.ReceiveAsync(TimeSpan.FromSeconds(15)) is { } message)
        {
            switch (message.GetProperty("type").GetString())
            {
                case "event": received++; break;
                case "skipped": skipped += message.GetProperty("count").GetInt64(); break;
            }
        }

        return (received, skipped);
    }

    internal static async Task WaitSubscribedAsync(TestServer server, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Metric(await server.Http.GetStringAsync("/metrics"), "sluice_tail_subscribers") != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"never {count} subscribers");
            await Task.Delay(20);
        }
    }

    internal static long Metric(string text, string name)
    {
        var line = text.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return (long)double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
