using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.BrowserClient;

/// <summary>
/// A web site of its own on another loopback port, so a page it serves is of another origin than Sluice (CORS
/// applies) while both stay in the loopback address space (Chromium blocks public pages from reaching loopback).
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PageHost(WebApplication app) => _app = app;

    /// <summary>The page every path answers with.</summary>
    public string Html { get; set; } = "<!doctype html>";

    public string Origin => _app.BaseAddress().GetLeftPart(UriPartial.Authority);

    public static async Task<PageHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var host = new PageHost(app);
        app.MapGet("/{**path}", (HttpContext context) => Results.Content(host.Html, "text/html; charset=utf-8"));
        await app.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
