using System.Text;
using Sluice.Admission.Systems;

namespace Sluice.Tests.Admission;

public sealed class SystemDetectorTests
{
    [Theory]
    [InlineData("User-Agent=Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "browser")]
    [InlineData("Sec-Fetch-Mode=cors", "browser")]
    [InlineData("Origin=https://app.example", "browser")]
    [InlineData("Referer=https://app.example/page", "browser")]
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
}
