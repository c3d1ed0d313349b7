using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Core.Options;
using Sluice.Server.Tests.Dashboard.Browser;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.BrowserClient;

/// <summary>
/// sluice.js in a real Chromium: a page on another origin (<see cref="PageHost"/>, so every request to Sluice is a
/// real cross-origin one) loads the script from a real server, and what it captured is read back from the server's store.
/// </summary>
public sealed class BrowserClientTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Keys = "page-key-1:ingest,admin-key-1:admin";

    [Fact]
    public async Task The_script_is_served_without_a_key_small_cacheable_and_as_javascript()
    {
        var (server, site) = await StartAsync();
        await using var _ = server;
        await using var __ = site;
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = server.Http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sluice.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // keys are configured, and none was sent
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var gzipped = await response.Content.ReadAsByteArrayAsync();
        Assert.True(gzipped.Length <= 5 * 1024, $"sluice.js is {gzipped.Length} bytes gzipped; the bound is 5 KiB");

        using var again = new HttpRequestMessage(HttpMethod.Get, "/sluice.js");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var revalidated = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task Console_calls_errors_and_rejections_arrive_with_the_trace_and_session_and_the_unload_batch_too()
    {
        var (server, site) = await StartAsync();
        await using var _ = server;
        await using var __ = site;
        var (page, printed) = await OpenAsync(server, site, """data-batch-size="50" data-flush-ms="60000" """, """
            console.log('hello', {n: 1});
            console.info('info line');
            console.warn('warn line');
            console.debug('debug line');
            console.error('error line');
            setTimeout(function () { throw new Error('thrown boom'); }, 0);
            Promise.reject(new Error('rejected nope'));
            """);
        await page.WaitForFunctionAsync("() => Sluice.stats().queued === 7");
        var trace = await page.EvaluateAsync<string>("Sluice.traceId");
        var session = await page.EvaluateAsync<string>("sessionStorage.getItem('sluice.session')");
        Assert.Matches("^[0-9a-f]{32}$", trace);
        Assert.Equal(session, await page.EvaluateAsync<string>("Sluice.sessionId"));

        // A flush while the page is visible goes by fetch (with the key in a header: a CORS preflight first).
        Assert.True(await page.EvaluateAsync<bool>("Sluice.flush()"));

        // What is queued when the page goes away is sent by beacon as it unloads.
        await page.EvaluateAsync("console.log('last words')");
        await page.GotoAsync("about:blank");

        var events = await WaitForAsync(server, $"trace_id={trace}", 8);
        string Level(string message) => events.Single(e => e.GetProperty("message").GetString()!.Contains(message, StringComparison.Ordinal)).GetProperty("level").GetString()!;
        Assert.Equal("info", Level("hello {\"n\":1}"));
        Assert.Equal("info", Level("info line"));
        Assert.Equal("warn", Level("warn line"));
        Assert.Equal("debug", Level("debug line"));
        Assert.Equal("error", Level("error line"));
        Assert.Equal("error", Level("thrown boom"));
        Assert.Equal("error", Level("Unhandled rejection: Error: rejected nope"));
        Assert.Equal("info", Level("last words"));
        foreach (var e in events)
        {
            Assert.Equal(session, e.GetProperty("session_id").GetString());
            Assert.Equal("browser", e.GetProperty("system").GetString());
            Assert.Equal("shop", e.GetProperty("service").GetString());
            Assert.StartsWith(site.Origin, e.GetProperty("url").GetString(), StringComparison.Ordinal);
        }

        var thrown = events.Single(e => e.GetProperty("message").GetString()!.Contains("thrown boom", StringComparison.Ordinal));
        Assert.Contains("thrown boom", thrown.GetProperty("stack_trace").GetString(), StringComparison.Ordinal);

        // The console kept printing: every call reached it as well.
        foreach (var (type, text) in new[] { ("log", "hello"), ("info", "info line"), ("warning", "warn line"), ("debug", "debug line"), ("error", "error line"), ("log", "last words") })
        {
            Assert.Contains(printed, m => m.Type == type && m.Text.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Its_own_rate_limit_drops_and_the_next_batch_reports_how_many()
    {
        var (server, site) = await StartAsync();
        await using var _ = server;
        await using var __ = site;
        var (page, _) = await OpenAsync(server, site, """data-max-per-minute="3" data-flush-ms="60000" """,
            "for (var i = 0; i < 10; i++) console.log('line ' + i);");
        await page.WaitForFunctionAsync("() => Sluice.stats().dropped === 7");
        var trace = await page.EvaluateAsync<string>("Sluice.traceId");
        Assert.True(await page.EvaluateAsync<bool>("Sluice.flush()"));

        var events = await WaitForAsync(server, $"trace_id={trace}", 4);
        Assert.Equal(["line 0", "line 1", "line 2", "sluice.js dropped 7 events"], events.Select(e => e.GetProperty("message").GetString()!).Order());
        var report = events.Single(e => e.GetProperty("message").GetString()!.StartsWith("sluice.js", StringComparison.Ordinal));
        Assert.Equal("warn", report.GetProperty("level").GetString());
        Assert.Equal("7", report.GetProperty("attributes").GetProperty("dropped").ToString());
    }

    [Fact]
    public async Task A_429_pauses_sending_until_Retry_After_and_counts_the_refused_events_as_dropped()
    {
        // A day's quota of 2 browser events, used up before the page loads: its first batch is refused whole.
        var (server, site) = await StartAsync(o => o with { Quotas = o.Quotas with { Rules = "system=browser:2/1d" } });
        await using var _ = server;
        await using var __ = site;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/logs/batch") { Content = new StringContent("""{"logs":[{"message":"a"},{"message":"b"}]}""") })
        {
            request.Headers.Add("Origin", site.Origin);
            request.Headers.Add("X-Api-Key", "page-key-1");
            request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"); // only a browser's agent counts as system=browser
            using var used = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, used.EnsureSuccessStatusCode().StatusCode);
        }

        var (page, _) = await OpenAsync(server, site, """data-flush-ms="60000" """, "console.log('one'); console.log('two'); console.log('three');");
        var answers = new ConcurrentQueue<int>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/api/logs/batch", StringComparison.Ordinal) && response.Request.Method == "POST")
            {
                answers.Enqueue(response.Status);
            }
        };
        await page.WaitForFunctionAsync("() => Sluice.stats().queued === 3");
        Assert.False(await page.EvaluateAsync<bool>("Sluice.flush()"));
        Assert.Equal([429], answers);
        var stats = await page.EvaluateAsync<JsonElement>("({...Sluice.stats(), now: Date.now()})");
        Assert.Equal(3, stats.GetProperty("dropped").GetInt32());
        Assert.Equal(1, stats.GetProperty("requests").GetInt32());
        Assert.True(stats.GetProperty("pausedUntil").GetDouble() > stats.GetProperty("now").GetDouble(), stats.ToString());

        // Paused: more events queue up, and flushing sends nothing until Retry-After has passed.
        await page.EvaluateAsync("console.log('four')");
        Assert.False(await page.EvaluateAsync<bool>("Sluice.flush()"));
        Assert.Equal(1, await page.EvaluateAsync<int>("Sluice.stats().requests"));
        Assert.Equal(1, await page.EvaluateAsync<int>("Sluice.stats().queued"));
    }

    private static async Task<(TestServer Server, PageHost Site)> StartAsync(Func<SluiceOptions, SluiceOptions>? more = null)
    {
        var site = await PageHost.StartAsync();
        var server = await TestServer.StartAsync(o =>
        {
            o = o with { Auth = new AuthOptions { ApiKeys = Keys }, Cors = new CorsOptions { AllowedOrigins = site.Origin } };
            return more?.Invoke(o) ?? o;
        });
        return (server, site);
    }

    /// <summary>Opens a page of <paramref name="site"/> that loads sluice.js from the server with the given tag attributes, then runs <paramref name="script"/>.</summary>
    private async Task<(IPage Page, ConcurrentQueue<IConsoleMessage> Printed)> OpenAsync(TestServer server, PageHost site, string attributes, string script)
    {
        var page = await browser.NewPageAsync(server.Http.BaseAddress!);
        var printed = new ConcurrentQueue<IConsoleMessage>();
        page.Console += (_, message) => printed.Enqueue(message);
        site.Html = $"""
            <!doctype html><html><head><title>shop</title>
            <script src="{server.Http.BaseAddress}sluice.js" data-service="shop" data-api-key="page-key-1" {attributes}></script>
            </head><body><script>{script}</script></body></html>
            """;
        await page.GotoAsync(site.Origin + "/shop/cart");
        Assert.True(await page.EvaluateAsync<bool>("typeof Sluice === 'object'"), "sluice.js did not load: " + string.Join("\n", printed.Select(m => m.Text)));
        return (page, printed);
    }

    /// <summary>Reads the server's events for <paramref name="filter"/> until <paramref name="count"/> have arrived.</summary>
    private static async Task<List<JsonElement>> WaitForAsync(TestServer server, string filter, int count)
    {
        server.Http.DefaultRequestHeaders.Remove("X-Api-Key");
        server.Http.DefaultRequestHeaders.Add("X-Api-Key", "admin-key-1");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var events = await Api.SearchAllAsync(server, filter);
            if (events.Count >= count)
            {
                Assert.Equal(count, events.Count);
                return events;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{events.Count} of {count} events arrived: {string.Join("\n", events)}");
            await Task.Delay(50);
        }
    }
}
