using System.Text;
using Sluice.Admission.Systems;

namespace Sluice.Tests.Admission;

public sealed class SystemDetectorTests
{
    [Theory]
    [InlineData("User-Agent=Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "browser")]
    [InlineData("Sec-Fetch-Mode=cors", null)]
    [InlineData("Origin=https://app.example", null)]
    [InlineData("Referer=https://app.example/page", null)]
    [InlineData("User-Agent=Bun/1.1.38|Sec-Fetch-Mode=cors", "backend")]
    [InlineData("User-Agent=curl/8.5.0|Origin=https://app.example", "backend")]
    [InlineData("CF-Worker=example.com|User-Agent=Mozilla/5.0", "worker")]
    [InlineData("Fastly-FF=cache-ams", "worker")]
    [InlineData("User-Agent=Deno/2.1", "worker")]
    [InlineData("User-Agent=python-requests/2.32", "backend")]
    [InlineData("User-Agent=Go-http-client/1.1", "backend")]
    [InlineData("User-Agent=Serilog.Sinks.Seq/9.0", "backend")]
    [InlineData("User-Agent=okhttp/4.12", "backend")]
    [InlineData("User-Agent=SomethingElse/1.0", null)]
    [InlineData("", null)]
    public void Rules_apply_in_order_worker_then_browser_then_backend(string headers, string? expected)
    {
        var map = headers.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(h => h.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var detected = SystemDetector.Detect(name => map.GetValueOrDefault(name));
        Assert.Equal(expected, detected is null ? null : Encoding.UTF8.GetString(detected));
    }

    /// <summary>The exact headers Node 22's built-in fetch (undici) sends, as pino-loki posts with it.</summary>
    [Fact]
    public void Node_fetch_is_a_backend_not_a_browser()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["accept"] = "*/*", ["accept-language"] = "*", ["sec-fetch-mode"] = "cors", ["user-agent"] = "node",
            ["accept-encoding"] = "gzip, deflate", ["content-type"] = "application/json",
        };
        Assert.Equal("backend", Encoding.UTF8.GetString(SystemDetector.Detect(name => headers.GetValueOrDefault(name))!));
    }

    /// <summary>A cross-origin fetch from Chromium 131, header for header.</summary>
    [Fact]
    public void Chromium_fetch_is_a_browser()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["user-agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ["accept"] = "*/*", ["accept-language"] = "en-US,en;q=0.9", ["origin"] = "https://shop.example",
            ["referer"] = "https://shop.example/", ["sec-ch-ua"] = "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"",
            ["sec-ch-ua-mobile"] = "?0", ["sec-ch-ua-platform"] = "\"Linux\"", ["sec-fetch-dest"] = "empty",
            ["sec-fetch-mode"] = "cors", ["sec-fetch-site"] = "cross-site", ["content-type"] = "application/json",
        };
        Assert.Equal("browser", Encoding.UTF8.GetString(SystemDetector.Detect(name => headers.GetValueOrDefault(name))!));
    }
}
