using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Support;

/// <summary>A real HTTP receiver for alert webhooks: answers 500 to its first <c>failFirst</c> posts, then records each body.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _posts = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _attempts;

    private HookReceiver(WebApplication app) => _app = app;

    /// <summary>The hook's URL; the path carries a token, as Slack's do, which answers must never show.</summary>
    public string Url => _app.BaseAddress() + "hook/SECRET-TOKEN";

    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyList<JsonElement> Posts => [.. _posts];

    public static async Task<HookReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.MapPost("/hook/SECRET-TOKEN", async (HttpContext context) =>
        {
            if (Interlocked.Increment(ref receiver._attempts) <= failFirst)
            {
                return Results.StatusCode(500);
            }

            receiver._posts.Enqueue(await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body));
            receiver._arrived.Release();
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> posts have been taken (20 s at most).</summary>
    public async Task WaitForAsync(int count)
    {
        while (_posts.Count < count)
        {
            Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(20)), $"only {_posts.Count} of {count} webhook posts arrived");
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
