using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Alerts;
using Sluice.Server.Hosting;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>A volume spike raises one alert — metric, log, and a Slack-compatible post to a real HTTP receiver.</summary>
public sealed class VolumeAlertApiTests
{
    [Fact]
    public async Task A_spike_over_the_baseline_posts_one_alert_and_the_cooldown_holds_back_the_next()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(o => o with
        {
            Alerts = o.Alerts with { WebhookUrl = receiver.Url, VolumeFactor = 10, VolumeMinEventsPerMinute = 50, CooldownSeconds = 600 },
        }, clock: clock);

        // Five quiet minutes of 10 events: the baseline.
        for (var m = 0; m < 5; m++)
        {
            await Api.PostAsync(server, Enumerable.Range(0, 10).Select(i => $$"""{"message":"normal {{m}} {{i}}"}"""));
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Empty(server.App.Services.GetRequiredService<AlertPublisher>().Recent);
        await Api.PostAsync(server, Enumerable.Range(0, 300).Select(i => $$"""{"message":"flood {{i}}"}"""));
        var post = await receiver.NextAsync();
        Assert.True(post.GetProperty("kind").GetString() == "volume_spike", post.ToString());
        Assert.Equal("global", post.GetProperty("scope").GetString());
        Assert.Equal(300, post.GetProperty("events").GetInt64());
        Assert.Contains("300 events this minute", post.GetProperty("text").GetString());

        // Still spiking a minute later: inside the cooldown, nothing more is posted.
        clock.Advance(TimeSpan.FromMinutes(1));
        await Api.PostAsync(server, Enumerable.Range(0, 3000).Select(i => $$"""{"message":"more {{i}}"}"""));
        await Task.Delay(300);
        Assert.Equal(1, receiver.Count);

        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_alerts_total{kind=\"volume_spike\",scope=\"global\"} 1", metrics);
        Assert.Contains("sluice_alert_webhook_sent_total 1", metrics);
    }

    [Fact]
    public async Task A_webhook_that_fails_is_retried_with_backoff()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        var log = new RecordingLogger();
        var publisher = new AlertPublisher(receiver.Url, log);
        await using (publisher)
        {
            publisher.Publish(new VolumeAlert("volume_spike", "domain=shop.example", "test", 0, 5, 1, null));
            var post = await receiver.NextAsync();
            Assert.Equal("domain=shop.example", post.GetProperty("scope").GetString());
            Assert.Equal(3, receiver.Attempts);
            for (var i = 0; i < 100 && publisher.WebhookSent == 0; i++)
            {
                await Task.Delay(20); // the sender counts after the receiver has answered
            }

            Assert.Equal(1, publisher.WebhookSent);
            Assert.Equal(0, publisher.WebhookFailures);
            var line = Assert.Single(log.Lines);
            Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Warning, "Alert volume_spike for domain=shop.example: test"), line);
        }
    }

    /// <summary>Keeps every log line written, to check the alert's one structured warning.</summary>
    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel, string)> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue((logLevel, formatter(state, exception)));
    }

    /// <summary>A real HTTP server standing in for Slack's incoming webhook: it records what it is sent.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly BlockingCollection<JsonElement> _posts = [];
        private int _attempts;
        private int _received;

        private WebhookReceiver(WebApplication app) => _app = app;

        public string Url => _app.BaseAddress() + "hook";

        /// <summary>Posts received (taken or not).</summary>
        public int Count => Volatile.Read(ref _received);

        public int Attempts => Volatile.Read(ref _attempts);

        public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/hook", async (HttpContext context) =>
            {
                if (Interlocked.Increment(ref receiver._attempts) <= failFirst)
                {
                    return Results.StatusCode(503);
                }

                receiver._posts.Add(await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body));
                Interlocked.Increment(ref receiver._received);
                return Results.Ok();
            });
            await app.StartAsync();
            return receiver;
        }

        public Task<JsonElement> NextAsync() => Task.Run(() =>
        {
            Assert.True(_posts.TryTake(out var post, TimeSpan.FromSeconds(20)), "no webhook post arrived");
            return post;
        });

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
