using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sluice.Admission.Auth;
using Sluice.Server.Http;

namespace Sluice.Server.BrowserClient;

/// <summary>
/// <c>GET /sluice.js</c>: the browser client (docs/browser.md), embedded in the server and served to any page that
/// includes it — no key, since a page's visitors have none. Gzipped once at start; cached for an hour and then
/// revalidated by its ETag, so a server upgrade reaches pages within the hour.
/// </summary>
internal static class BrowserClientScript
{
    public const string Path = "/sluice.js";

    private static readonly Lazy<Script> Loaded = new(Load);

    public static IEndpointRouteBuilder MapBrowserClient(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Path, ["GET", "HEAD"], WriteAsync).RequireScope(ApiScope.None);
        return app;
    }

    private static Task WriteAsync(HttpContext context)
    {
        var script = Loaded.Value;
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.Vary = "Accept-Encoding";
        // Pages of any origin load it with a script tag; the API's default policy (SecurityHeaders) would not hurt, but says nothing here.
        response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        response.ContentType = "text/javascript; charset=utf-8";
        return PrecompressedBody.WriteAsync(context, script.ETag, script.Plain, script.Gzipped);
    }

    private static Script Load()
    {
        using var stream = typeof(BrowserClientScript).Assembly.GetManifestResourceStream("browser/sluice.js")
            ?? throw new InvalidOperationException("sluice.js is not embedded in this build");
        using var plain = new MemoryStream();
        stream.CopyTo(plain);
        using var zipped = new MemoryStream();
        using (var gzip = new GZipStream(zipped, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(plain.GetBuffer(), 0, (int)plain.Length);
        }

        var bytes = plain.ToArray();
        return new Script(bytes, zipped.ToArray(), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
    }

    private sealed record Script(byte[] Plain, byte[] Gzipped, string ETag);
}
