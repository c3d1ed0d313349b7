using System.Globalization;
using Microsoft.Playwright;

// First paint of the dashboard in Debian's Chromium: for each page, RUNS navigations, each in a fresh browser
// context (empty cache, no cookies), timed from navigation start to the page's own "sluice-drawn" mark, which it
// sets once its data is drawn, charts included. Prints each page's median, min and max.
// Usage: Sluice.Bench.Browser URL RUNS PAGE... (pages as paths: "/?range=24h" "/explore?range=1h")
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Sluice.Bench.Browser URL RUNS PAGE...");
    return 2;
}

var server = new Uri(args[0]);
var runs = int.Parse(args[1], CultureInfo.InvariantCulture);
var executable = Environment.GetEnvironmentVariable("SLUICE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
foreach (var page in args.Skip(2))
{
    var times = new List<double>();
    for (var run = 0; run <= runs; run++)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var tab = await context.NewPageAsync();
        await tab.GotoAsync(new Uri(server, page).ToString());
        await tab.WaitForSelectorAsync("body[data-ready]", new() { Timeout = 60_000 });
        var drawn = await tab.EvaluateAsync<double>("() => performance.getEntriesByName('sluice-drawn')[0]?.startTime ?? -1");
        if (run > 0)
        {
            times.Add(drawn); // run 0 warms the server's caches and the browser process
        }

        if (Environment.GetEnvironmentVariable("SLUICE_BENCH_DETAIL") == "1")
        {
            // Where the time went: the navigation's milestones and each request, as start → end in ms.
            Console.WriteLine(await tab.EvaluateAsync<string>(@"() => {
                const n = performance.getEntriesByType('navigation')[0];
                const r = performance.getEntriesByType('resource').map(e => `${e.name.replace(location.origin, '')} ${e.startTime.toFixed(0)}→${e.responseEnd.toFixed(0)}`);
                return `  response ${n.responseEnd.toFixed(0)}, DOM ready ${n.domContentLoadedEventEnd.toFixed(0)}; ` + r.join('; ');
            }"));
        }
    }

    times.Sort();
    Console.WriteLine(FormattableString.Invariant($"{page}: first paint median {times[times.Count / 2]:F0} ms (min {times[0]:F0}, max {times[^1]:F0}, {runs} runs)"));
}

return 0;
