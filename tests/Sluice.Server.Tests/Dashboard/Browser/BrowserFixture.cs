using Microsoft.Playwright;

namespace Sluice.Server.Tests.Dashboard.Browser;

/// <summary>
/// One headless Chromium for the dashboard's end-to-end tests: Debian's <c>/usr/bin/chromium</c> (or
/// <c>SLUICE_CHROMIUM</c>), driven by Playwright. The test command installs the package; nothing is downloaded.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where to save a screenshot of each page (<c>SLUICE_SCREENSHOTS</c>, set by scripts/screenshots.sh); null: none.</summary>
    public static string? ScreenshotDirectory => Environment.GetEnvironmentVariable("SLUICE_SCREENSHOTS") is { Length: > 0 } dir ? dir : null;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("SLUICE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        Assert.True(File.Exists(executable), $"no Chromium at {executable}: scripts/test.sh installs Debian's chromium package");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A fresh context (its own cookies and storage) and page, sized like a laptop screen.</summary>
    public async Task<IPage> NewPageAsync(Uri server, string? colorScheme = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            TimezoneId = "Europe/Berlin",
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        // A script error or a refused resource (the content policy) fails the test that caused it.
        var errors = _errors.GetOrAdd(page, _ => []);
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{message.Text} ({message.Location})");
            }
        };
        return page;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, System.Collections.Concurrent.ConcurrentBag<string>> _errors = new();

    /// <summary>Script errors and console errors <paramref name="page"/> has seen.</summary>
    public IReadOnlyCollection<string> ErrorsOf(IPage page) => _errors.TryGetValue(page, out var errors) ? errors : [];

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = false });
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
