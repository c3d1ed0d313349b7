using System.Text;

namespace Sluice.Admission.Systems;

/// <summary>
/// Tells which kind of system sent a request when its events do not say (docs/api.md, "System detection"), from the
/// request headers alone. The first matching rule wins; an event's own <c>system</c> field always wins over this.
/// </summary>
public static class SystemDetector
{
    public static readonly byte[] Browser = Encoding.UTF8.GetBytes("browser");
    public static readonly byte[] Worker = Encoding.UTF8.GetBytes("worker");
    public static readonly byte[] Backend = Encoding.UTF8.GetBytes("backend");

    /// <summary>Headers only edge runtimes add to their outgoing requests.</summary>
    private static readonly string[] WorkerHeaders = ["CF-Worker", "Fastly-FF", "X-Edge-Worker"];

    /// <summary>User agents of edge runtimes.</summary>
    private static readonly string[] WorkerAgents = ["Cloudflare-Workers", "Deno/", "Vercel-Edge", "Vercel Edge", "Fastly-Compute"];

    /// <summary>User agents of server-side HTTP clients and logging SDKs (prefix or substring, case-insensitive).</summary>
    private static readonly string[] BackendAgents =
    [
        "python-requests", "python-httpx", "python-urllib", "aiohttp", "Go-http-client", "okhttp", "Java/", "Apache-HttpClient",
        "node-fetch", "undici", "axios", "node", "curl/", "Wget/", "libcurl", "Serilog", "Seq", "NLog", "log4net", ".NET", "Ruby",
        "Faraday", "Guzzle", "PHP", "reqwest", "OpenTelemetry", "Fluent-Bit", "Vector/", "Logstash", "Promtail", "Bun/", "HTTPie",
        "Dart/", "hyper/",
    ];

    /// <param name="header">Looks a request header up by name (case-insensitive); null or empty when absent.</param>
    public static byte[]? Detect(Func<string, string?> header)
    {
        var agent = header("User-Agent") ?? "";
        if (WorkerHeaders.Any(h => !string.IsNullOrEmpty(header(h))) || WorkerAgents.Any(a => agent.Contains(a, StringComparison.OrdinalIgnoreCase)))
        {
            return Worker;
        }

        // Every browser sends a User-Agent starting "Mozilla/" and page scripts cannot change it. Fetch metadata
        // (Sec-Fetch-*, Origin) alone proves nothing: Node's built-in fetch (undici) sends "Sec-Fetch-Mode: cors"
        // with the User-Agent "node", and a server runtime must never take the browsers' quota share.
        if (agent.StartsWith("Mozilla/", StringComparison.Ordinal))
        {
            return Browser;
        }

        return BackendAgents.Any(a => agent.Contains(a, StringComparison.OrdinalIgnoreCase)) ? Backend : null;
    }
}
