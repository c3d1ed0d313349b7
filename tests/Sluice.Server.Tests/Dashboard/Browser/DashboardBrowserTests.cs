using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Dashboard.Browser;

/// <summary>
/// The dashboard end to end, in a real Chromium against a real server: what a person sees matches what was stored.
/// Each test seeds its own server, so they run in any order.
/// </summary>
public sealed class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>40 log events over the last 40 minutes (every fourth an error, services in turn, one trace of four) and 25 traffic events.</summary>
    private static IEnumerable<string> Seed()
    {
        string[] services = ["checkout", "billing", "search", "auth"];
        for (var i = 0; i < 40; i++)
        {
            var level = i % 4 == 1 ? "error" : "info";
            var trace = i < 4 ? ",\"trace_id\":\"trace-e2e-1\"" : "";
            yield return $$"""{"id":"log-{{i}}","timestamp":{{Now - (i * 60_000)}},"level":"{{level}}","service":"{{services[i % 4]}}","host":"web-{{i % 3}}","message":"request {{i}} handled in {{i * 3}} ms"{{trace}}}""";
        }

        for (var i = 0; i < 25; i++)
        {
            var decision = i % 5 == 0 ? "block" : "allow";
            yield return $$"""{"id":"req-{{i}}","kind":"traffic","timestamp":{{Now - (i * 90_000)}},"domain":"shop.example","decision":"{{decision}}","country":"{{(i % 2 == 0 ? "DE" : "NL")}}","ip":"198.51.100.{{i}}","method":"GET","path":"/p/{{i}}","status":200,"reason":"{{(decision == "block" ? "bot" : "ok")}}"}""";
        }
    }

    private async Task<(TestServer Server, IPage Page)> StartAsync(Func<SluiceOptions, SluiceOptions>? configure = null)
    {
        var server = await TestServer.StartAsync(configure);
        return (server, await browser.NewPageAsync(server.Http.BaseAddress!));
    }

    [Fact]
    public async Task The_overview_shows_the_counts_that_were_ingested()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=overview]");
        Assert.Equal("40", await page.GetAttributeAsync("[data-testid=stat-logs-total]", "data-value"));
        Assert.Equal("25", await page.GetAttributeAsync("[data-testid=stat-traffic-total]", "data-value"));
        Assert.Contains("checkout", await page.InnerTextAsync("[data-testid=top-services]"), StringComparison.Ordinal);
        Assert.Contains("bot", await page.InnerTextAsync("[data-testid=top-reasons]"), StringComparison.Ordinal);
        Assert.True(await page.IsVisibleAsync("[data-testid=chart-levels] canvas"), "the volume chart is drawn");
        await BrowserFixture.ScreenshotAsync(page, "overview");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task A_query_shows_exactly_the_matching_events_newest_first()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/explore?range=24h&q=" + Uri.EscapeDataString("service:billing level:error"));
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        var ids = await RowIdsAsync(page);
        // i % 4 == 1 is both billing and error: 1, 5, 9 … 37, newest (smallest i) first.
        Assert.Equal(Enumerable.Range(0, 10).Select(k => $"log-{1 + (4 * k)}"), ids);
        Assert.Equal("10", await page.GetAttributeAsync("[data-testid=match-count]", "data-value"));
        await BrowserFixture.ScreenshotAsync(page, "explore");

        // Facets on any field: the top values of `host` among these ten (i = 1, 5, … 37; host is web-(i % 3)).
        await page.FillAsync("[data-testid=facet-field]", "host");
        await page.PressAsync("[data-testid=facet-field]", "Enter");
        await page.WaitForFunctionAsync("() => new URLSearchParams(location.search).get('facet') === 'host'");
        await page.WaitForSelectorAsync("[data-testid=facets] [data-testid=facet-value]:has-text('web-')");
        var facets = await page.InnerTextAsync("[data-testid=facets]");
        foreach (var host in new[] { "web-0", "web-1", "web-2" })
        {
            Assert.Contains(host, facets, StringComparison.Ordinal);
        }
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task Clicking_a_value_adds_it_as_a_filter_and_the_back_button_undoes_it()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/explore?range=24h&q=" + Uri.EscapeDataString("service:checkout"));
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        Assert.Equal(10, (await RowIdsAsync(page)).Count);
        await page.ClickAsync("[data-testid=event-row][data-id=log-4]");
        await page.ClickAsync("[data-testid=event-detail] tr[data-field=host] [data-testid=filter-include]");
        await page.WaitForFunctionAsync("() => new URLSearchParams(location.search).get('q')?.includes('host:')");
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        Assert.Contains("host:web-1", await page.InputValueAsync("[data-testid=query-input]"), StringComparison.Ordinal);
        // checkout is i % 4 == 0, web-1 is i % 3 == 1: i = 4, 16, 28.
        Assert.Equal(["log-4", "log-16", "log-28"], await RowIdsAsync(page));

        await page.GoBackAsync();
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        Assert.Equal(10, (await RowIdsAsync(page)).Count);
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task An_event_with_a_trace_leads_to_the_whole_trace_on_a_timeline()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/explore?range=24h&q=" + Uri.EscapeDataString("id:log-2"));
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        await page.ClickAsync("[data-testid=event-row][data-id=log-2]");
        await page.ClickAsync("[data-testid=view-trace]");
        await page.WaitForSelectorAsync("body[data-ready=trace]");
        Assert.Equal("/trace/trace-e2e-1", new Uri(page.Url).AbsolutePath);
        var events = page.Locator("[data-testid=trace-event]");
        Assert.Equal(4, await events.CountAsync());
        var text = await page.InnerTextAsync("[data-testid=trace-timeline]");
        foreach (var service in new[] { "checkout", "billing", "search", "auth" })
        {
            Assert.Contains(service, text, StringComparison.Ordinal);
        }

        await BrowserFixture.ScreenshotAsync(page, "trace");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task Live_tail_shows_a_new_event_within_a_second_of_its_ack()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await page.GotoAsync("/live?q=" + Uri.EscapeDataString("service:live"));
        await page.WaitForSelectorAsync("body[data-ready=live]");
        await LiveTailTests.WaitSubscribedAsync(server, 1);

        await Api.PostAsync(server, ["""{"id":"live-other","message":"not for this tail","service":"elsewhere"}"""]);
        await Api.PostAsync(server, ["""{"id":"live-1","message":"fresh off the press","service":"live","level":"warn"}"""]);
        var acked = Stopwatch.StartNew();
        await page.WaitForSelectorAsync("[data-testid=tail-row][data-id=live-1]", new() { Timeout = 1_000 });
        var seen = acked.Elapsed;
        Assert.True(seen < TimeSpan.FromSeconds(1), $"shown {seen.TotalMilliseconds:F0} ms after the ack");
        Assert.Equal(1, await page.Locator("[data-testid=tail-row]").CountAsync());
        Assert.Contains("fresh off the press", await page.InnerTextAsync("[data-testid=tail-row][data-id=live-1]"), StringComparison.Ordinal);

        // Paused, new events wait; resumed, they appear.
        await page.ClickAsync("[data-testid=tail-pause]");
        await Api.PostAsync(server, ["""{"id":"live-2","message":"while paused","service":"live"}"""]);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=tail-held]')?.textContent?.includes('1')");
        Assert.Equal(0, await page.Locator("[data-testid=tail-row][data-id=live-2]").CountAsync());
        await page.ClickAsync("[data-testid=tail-pause]");
        await page.WaitForSelectorAsync("[data-testid=tail-row][data-id=live-2]");
        await BrowserFixture.ScreenshotAsync(page, "live");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task With_keys_on_a_person_signs_in_with_a_key_that_no_script_can_read()
    {
        var (server, page) = await StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = "e2e-read-key-1234:read" } });
        await using var _ = server;
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("[data-testid=signin-form]");
        await page.FillAsync("[data-testid=signin-key]", "wrong-key");
        await page.ClickAsync("[data-testid=signin-submit]");
        await page.WaitForSelectorAsync("[data-testid=signin-error]:not(:empty)");
        await BrowserFixture.ScreenshotAsync(page, "signin");

        await page.FillAsync("[data-testid=signin-key]", "e2e-read-key-1234");
        await page.ClickAsync("[data-testid=signin-submit]");
        await page.WaitForSelectorAsync("body[data-ready=overview]");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "sluice_key");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));
        var stored = await page.EvaluateAsync<string>("() => JSON.stringify(Object.assign({}, localStorage, sessionStorage))");
        Assert.DoesNotContain("e2e-read-key-1234", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("e2e-read-key-1234", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_query_shows_its_error_at_its_position()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        const string Bad = "service:checkout AND (level:error OR";
        using var api = await server.Http.GetAsync("/api/logs/search?query=" + Uri.EscapeDataString(Bad));
        var position = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement.GetProperty("position").GetInt32();

        await page.GotoAsync("/explore?range=1h");
        await page.WaitForSelectorAsync("body[data-ready=explore]");
        await page.FillAsync("[data-testid=query-input]", Bad);
        await page.PressAsync("[data-testid=query-input]", "Enter");
        await page.WaitForSelectorAsync("[data-testid=query-error]");
        Assert.Contains("at character", await page.InnerTextAsync("[data-testid=query-error]"), StringComparison.Ordinal);
        Assert.Equal(position.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.GetAttributeAsync("[data-testid=query-error-caret]", "data-position"));
        await BrowserFixture.ScreenshotAsync(page, "query-error");
    }

    [Fact]
    public async Task The_traffic_page_shows_each_domain_with_its_block_share()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/traffic?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=traffic]");
        var row = page.Locator("[data-testid=domain-row][data-domain='shop.example']");
        Assert.Equal(["25", "5", "0.2"], await row.Locator("td[data-value]").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.value)"));
        Assert.Equal("25", await page.GetAttributeAsync("[data-testid=stat-traffic-total]", "data-value"));
        Assert.Equal(25, await page.Locator("[data-testid=traffic-row]").CountAsync());
        await page.WaitForSelectorAsync("[data-testid=domain-row][data-domain='shop.example'] [data-testid=domain-reasons]:has-text('bot')");
        Assert.Contains("5", await row.Locator("[data-testid=domain-reasons]").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "traffic");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task A_formula_is_checked_as_it_is_typed_and_runs_to_its_value()
    {
        var (server, page) = await StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());

        await page.GotoAsync("/formulas?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=formulas]");
        await page.FillAsync("[data-testid=formula-input]", "count(decision:block) / count(kind:traffic) *");
        await page.WaitForSelectorAsync("[data-testid=formula-error]");
        await page.FillAsync("[data-testid=formula-input]", "count(decision:block) / count(kind:traffic) * 100");
        await page.WaitForSelectorAsync("[data-testid=formula-valid]");
        await page.ClickAsync("[data-testid=formula-run]");
        await page.WaitForSelectorAsync("[data-testid=formula-value][data-value]:not([data-value=''])");
        Assert.Equal(20.0, double.Parse((await page.GetAttributeAsync("[data-testid=formula-value]", "data-value"))!, System.Globalization.CultureInfo.InvariantCulture), 6);
        await BrowserFixture.ScreenshotAsync(page, "formulas");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    [Fact]
    public async Task The_dark_theme_follows_the_system_and_is_drawn_without_errors()
    {
        var server = await TestServer.StartAsync();
        await using var _ = server;
        await Api.PostAsync(server, Seed());
        var page = await browser.NewPageAsync(server.Http.BaseAddress!, colorScheme: "dark");
        await page.GotoAsync("/?range=24h");
        await page.WaitForSelectorAsync("body[data-ready=overview]");
        var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        var channels = background.Split('(', ')')[1].Split(',').Take(3).Select(c => int.Parse(c.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(channels.Average() < 80, $"the page is not dark: {background}");
        await BrowserFixture.ScreenshotAsync(page, "overview-dark");
        Assert.True(browser.ErrorsOf(page).Count == 0, string.Join("\n", browser.ErrorsOf(page)));
    }

    private static async Task<List<string>> RowIdsAsync(IPage page) =>
        [.. (await page.Locator("[data-testid=event-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"))];
}
