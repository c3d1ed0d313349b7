using System.Globalization;
using Microsoft.Playwright;
using Sluice.Server.Tests.Analysis;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Dashboard.Browser;

/// <summary>
/// The Patterns and Alerts pages end to end, in a real Chromium against a real server: patterns of known templates
/// with their counts and trends, a pattern opening Explore on its events, monitor tiles by status, firing alerts.
/// </summary>
public sealed class AlertsAndPatternsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;

    /// <summary>
    /// Three templates in the last 40 minutes — 12 payment failures, 30 requests handled, 10 cache misses — and 2
    /// cache misses 30 hours ago, so over the last 24 h the first two are new and the cache misses are up 5×.
    /// </summary>
    private static IEnumerable<string> PatternSeed(long now)
    {
        for (var i = 0; i < 12; i++)
        {
            yield return $$"""{"timestamp":{{now - (i * 3 * Minute)}},"level":"error","service":"pay","message":"payment {{1000 + i}} failed for card ending {{4000 + i}}"}""";
        }

        for (var i = 0; i < 30; i++)
        {
            yield return $$"""{"timestamp":{{now - (i * Minute)}},"level":"info","service":"{{(i % 2 == 0 ? "checkout" : "search")}}","message":"request {{i}} handled in {{i * 3}} ms"}""";
        }

        for (var i = 0; i < 10; i++)
        {
            yield return $$"""{"timestamp":{{now - (i * 4 * Minute)}},"level":"warn","service":"cache","message":"cache miss for key user:{{i}}"}""";
        }

        for (var i = 0; i < 2; i++)
        {
            yield return $$"""{"timestamp":{{now - (30 * Hour) - (i * Minute)}},"level":"warn","service":"cache","message":"cache miss for key user:{{50 + i}}"}""";
        }
    }

    [Fact]
    public async Task The_patterns_page_lists_each_template_with_its_count_and_trend_and_opens_explore_on_one()
    {
        var server = await TestServer.StartAsync();
        await using var running = server;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(server, PatternSeed(now));
        var report = await server.GetJsonAsync($"/api/logs/analytics/patterns?start_time={now - Day}&end_time={now + Minute}");
        var patterns = report.GetProperty("patterns").EnumerateArray().ToList();
        string IdOf(string word) => patterns.Single(p => p.GetProperty("pattern").GetString()!.Contains(word, StringComparison.Ordinal)).GetProperty("id").GetString()!;
        var payment = IdOf("payment");
        var cache = IdOf("cache miss");

        var page = await browser.NewPageAsync(server.Http.BaseAddress!);
        await page.GotoAsync("/patterns?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=patterns]");
        Assert.Equal(3, await page.Locator("[data-testid=pattern-row]").CountAsync());
        var row = page.Locator($"[data-testid=pattern-row][data-id='{payment}']");
        Assert.Equal("12", await row.Locator("[data-testid=pattern-count]").GetAttributeAsync("data-value"));
        Assert.Equal("new", await row.Locator("[data-testid=pattern-trend]").GetAttributeAsync("data-trend"));
        Assert.Equal("NEW", (await row.Locator("[data-testid=pattern-trend]").InnerTextAsync()).Trim().ToUpperInvariant());
        Assert.Contains("pay", await row.InnerTextAsync(), StringComparison.Ordinal);
        var cacheRow = page.Locator($"[data-testid=pattern-row][data-id='{cache}']");
        Assert.Equal("10", await cacheRow.Locator("[data-testid=pattern-count]").GetAttributeAsync("data-value"));
        Assert.Equal("up", await cacheRow.Locator("[data-testid=pattern-trend]").GetAttributeAsync("data-trend"));
        Assert.Contains("5×", await cacheRow.Locator("[data-testid=pattern-trend]").InnerTextAsync(), StringComparison.Ordinal);
        // One sparkline per row, from the one aggregate call, with a drawn path.
        Assert.Equal(3, await page.Locator("[data-testid=pattern-sparkline] path[d^=M]").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "patterns");

        // A filter goes in the URL and narrows the list.
        await page.FillAsync("[data-testid=patterns-filter-level]", "error");
        await page.ClickAsync("[data-testid=patterns-apply]");
        await page.WaitForFunctionAsync("() => new URLSearchParams(location.search).get('level') === 'error'");
        await page.WaitForSelectorAsync("body[data-ready=patterns]");
        Assert.Equal(1, await page.Locator("[data-testid=pattern-row]").CountAsync());

        // The pattern opens Explore on its events, in the same range.
        await page.ClickAsync($"[data-testid=pattern-row][data-id='{payment}'] [data-testid=pattern-link]");
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        var url = new Uri(page.Url);
        Assert.Equal("/explore", url.AbsolutePath);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        Assert.Equal($"pattern_id:{payment}", query["q"]);
        Assert.Equal("24h", query["range"]);
        Assert.Equal("12", await page.GetAttributeAsync("[data-testid=match-count]", "data-value"));
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task The_alerts_page_shows_monitor_tiles_by_status_a_monitor_chart_and_the_firing_alert()
    {
        var server = await TestServer.StartAsync();
        await using var running = server;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // The last hour held 20 shop blocks on each of the seven days before, and 2 today: a drop.
        var lines = new List<string>();
        for (var day = 0; day <= 7; day++)
        {
            var count = day == 0 ? 2 : 20;
            lines.AddRange(Enumerable.Range(0, count).Select(i =>
                $$"""{"kind":"traffic","timestamp":{{now - Hour + (5 * Minute) + (i * 2 * Minute) - (day * Day)}},"domain":"shop.example","decision":"block","path":"/checkout"}"""));
        }

        // Ten errors in the last half hour, for a threshold rule.
        lines.AddRange(Enumerable.Range(0, 10).Select(i => $$"""{"timestamp":{{now - (i * 3 * Minute)}},"level":"error","service":"pay","message":"payment {{i}} failed"}"""));
        await Api.PostAsync(server, lines);

        var (status, created, _) = await server.PostAsync("/api/v1/monitors", """
            {"name":"shop blocks","query":"kind:traffic decision:block domain:shop.example","window_minutes":60,
             "baseline":{"kind":"median_mad","days":7},"threshold":{"mode":"percent","warning":10,"critical":25,"direction":"drop"}}
            """);
        Assert.True(status == 201, created.ToString());
        var monitorId = created.GetProperty("id").GetString()!;
        (status, created, _) = await server.PostAsync("/api/v1/monitors", """{"name":"quiet service","query":"service:nobody-logs-here","window_minutes":60}""");
        Assert.True(status == 201, created.ToString());
        var quietId = created.GetProperty("id").GetString()!;
        var rule = await AlertApi.CreateRuleAsync(server, """{"name":"payment errors","kind":"threshold","query":"level:error service:pay","above":5,"window_minutes":60}""");
        var ruleId = rule.GetProperty("id").GetString()!;
        await AlertApi.EvaluateAsync(server);
        var monitor = await server.GetJsonAsync($"/api/v1/monitors/{monitorId}");
        Assert.Equal("critical", monitor.GetProperty("status").GetString());
        var reading = monitor.GetProperty("reading");

        var page = await browser.NewPageAsync(server.Http.BaseAddress!);
        await page.GotoAsync("/alerts?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=alerts]");
        var tile = page.Locator($"[data-testid=monitor-tile][data-id='{monitorId}']");
        Assert.Equal("critical", await tile.GetAttributeAsync("data-status"));
        Assert.Contains("status-critical", await tile.GetAttributeAsync("class"), StringComparison.Ordinal);
        // Observed and expected as the API reads them (the baseline of past days comes from hourly counts, so it is near 20, not exact).
        Assert.Equal(2.0, await NumberAsync(tile.Locator("[data-testid=monitor-observed]")));
        Assert.Equal(reading.GetProperty("expected").GetDouble(), await NumberAsync(tile.Locator("[data-testid=monitor-expected]")), 9);
        Assert.Contains(reading.GetProperty("summary").GetString()!, await tile.InnerTextAsync(), StringComparison.Ordinal);
        // A monitor of a filter that never matches: nothing expected, nothing seen, so ok.
        var quietStatus = (await server.GetJsonAsync($"/api/v1/monitors/{quietId}")).GetProperty("status").GetString()!;
        Assert.Equal(quietStatus.Replace('_', '-'), await page.GetAttributeAsync($"[data-testid=monitor-tile][data-id='{quietId}']", "data-status"));

        // What fires now and the history name the rule.
        var firing = page.Locator($"[data-testid=alert-row][data-rule='{ruleId}']");
        Assert.Contains("payment errors", await firing.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(10.0, await NumberAsync(firing.Locator("td[data-value]")));
        Assert.True(await page.Locator($"[data-testid=alert-history-row][data-rule='{ruleId}'][data-state=firing]").CountAsync() >= 1);

        // A tile shows its monitor's chart below the tiles; the choice is in the URL.
        await tile.ClickAsync();
        await page.WaitForFunctionAsync($"() => new URLSearchParams(location.search).get('monitor') === '{monitorId}'");
        await page.WaitForSelectorAsync("body[data-ready=alerts]");
        await page.WaitForSelectorAsync($"[data-testid=monitor-detail][data-id='{monitorId}'] [data-testid=monitor-chart] canvas");
        Assert.Equal("true", await page.GetAttributeAsync($"[data-testid=monitor-tile][data-id='{monitorId}']", "aria-pressed"));
        await BrowserFixture.ScreenshotAsync(page, "alerts");

        // Clicking it again hides the chart; Back shows it again.
        await tile.ClickAsync();
        await page.WaitForFunctionAsync("() => !new URLSearchParams(location.search).has('monitor')");
        await page.WaitForSelectorAsync("body[data-ready=alerts]");
        Assert.Equal(0, await page.Locator("[data-testid=monitor-detail]").CountAsync());
        await page.GoBackAsync();
        await page.WaitForSelectorAsync($"[data-testid=monitor-detail][data-id='{monitorId}'] [data-testid=monitor-chart] canvas");

        // The other theme redraws the chart in its colours, without errors.
        await page.ClickAsync("[data-testid=theme-toggle]");
        await page.WaitForSelectorAsync($"[data-testid=monitor-detail][data-id='{monitorId}'] [data-testid=monitor-chart] canvas");
        Assert.Equal(1, await page.Locator("[data-testid=monitor-chart] canvas").CountAsync());
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    private static async Task<double> NumberAsync(ILocator cell) =>
        double.Parse((await cell.GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture);
}
