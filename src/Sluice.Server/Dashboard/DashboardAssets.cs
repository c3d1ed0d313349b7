using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

using Sluice.Server.Http;

namespace Sluice.Server.Dashboard;

/// <summary>
/// The built dashboard (index.html, app.js, app.css from <c>web/</c>), embedded in the server so that it runs with
/// nothing beside it. Each file is kept as is and gzipped once at start, with an ETag of its content.
/// </summary>
public sealed class DashboardAssets
{
    /// <summary>The page's policy: everything from this server, nothing inline, nothing elsewhere.</summary>
    public const string ContentPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string Prefix = "dashboard/";
    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var plain = new MemoryStream();
            stream.CopyTo(plain);
            using var zipped = new MemoryStream();
            using (var gzip = new GZipStream(zipped, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                gzip.Write(plain.GetBuffer(), 0, (int)plain.Length);
            }

            var bytes = plain.ToArray();
            var file = name[Prefix.Length..];
            _assets["/" + file] = new Asset(bytes, zipped.ToArray(), ContentType(file), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }
    }

    /// <summary>Whether the dashboard was built into this server (a build without <c>web/</c>'s output has none).</summary>
    public bool HasPage => _assets.ContainsKey("/index.html");

    public Task WriteAsync(HttpContext context, string path)
    {
        var response = context.Response;
        if (!_assets.TryGetValue(path, out var asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        response.Headers.ContentSecurityPolicy = ContentPolicy;
        response.Headers.CacheControl = "no-cache"; // revalidated by ETag: a new server version is seen at once
        response.Headers.Vary = Microsoft.Extensions.Primitives.StringValues.Concat(response.Headers.Vary, "Accept-Encoding");
        response.ContentType = asset.ContentType;
        return PrecompressedBody.WriteAsync(context, asset.ETag, asset.Plain, asset.Gzipped);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Plain, byte[] Gzipped, string ContentType, string ETag);
}
