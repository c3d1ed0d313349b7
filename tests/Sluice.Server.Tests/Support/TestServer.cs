using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Support;

/// <summary>A real server on a free loopback port with its own data directory, reached over real HTTP.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private WebApplication? _app;

    private TestServer(string dataDir, bool ownsDir)
    {
        DataDir = dataDir;
        OwnsDir = ownsDir;
    }

    public string DataDir { get; }

    public bool OwnsDir { get; }

    public HttpClient Http { get; private set; } = null!;

    public WebApplication App => _app!;

    /// <summary>The server's clock; moved by hand in tests that pass one to <see cref="StartAsync"/>.</summary>
    public Sluice.Core.Time.IClock? Clock { get; private init; }

    private ILoggerProvider? Logs { get; init; }

    /// <param name="logs">Where the server's log lines (warning and above) go too, for tests that read them.</param>
    public static async Task<TestServer> StartAsync(Func<SluiceOptions, SluiceOptions>? configure = null, string? dataDir = null, ManualClock? clock = null, ILoggerProvider? logs = null)
    {
        var server = new TestServer(dataDir ?? NewDataDir(), dataDir is null) { Clock = clock, Logs = logs };
        await server.StartInternalAsync(configure);
        return server;
    }

    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "sluice-it-" + Guid.NewGuid().ToString("N"));

    /// <summary>Stops the server cleanly and starts a new one on the same data directory.</summary>
    public async Task RestartAsync(Func<SluiceOptions, SluiceOptions>? configure = null)
    {
        await StopAsync();
        await StartInternalAsync(configure);
    }

    public async Task StopAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string url, string body, string contentType = "application/json")
    {
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var response = await Http.PostAsync(url, content);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)response.StatusCode, json, response);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (OwnsDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A handler that trusts <paramref name="certificate"/> as its only root, and nothing else: what a client given the server's certificate does.</summary>
    public static HttpClientHandler TrustingExactly(X509Certificate2 certificate)
    {
        var root = X509CertificateLoader.LoadCertificate(certificate.RawData); // without its key
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
            {
                if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false; // no certificate, or one for another name
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(root);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(presented);
            },
        };
    }

    private async Task StartInternalAsync(Func<SluiceOptions, SluiceOptions>? configure)
    {
        var options = new SluiceOptions { Listen = "127.0.0.1:0", DataDir = DataDir };
        options = configure?.Invoke(options) ?? options;
        _app = SluiceServer.Build(options, logging => logging.SetMinimumLevel(LogLevel.Warning), services =>
        {
            if (Clock is not null)
            {
                services.AddSingleton(Clock);
            }

            if (Logs is not null)
            {
                services.AddSingleton(Logs);
            }
        });
        await _app.StartAsync();
        // A server bound to every interface is reached through loopback.
        var address = new UriBuilder(_app.BaseAddress()) { Host = _app.BaseAddress().Host == "0.0.0.0" ? "127.0.0.1" : _app.BaseAddress().Host }.Uri;
        var certificate = _app.Services.GetRequiredService<ServerTls>().Certificate;
        Http = new HttpClient(certificate is null ? new HttpClientHandler() : TrustingExactly(certificate)) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Http.GetAsync("/health/ready")).StatusCode != System.Net.HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "server did not become ready");
            await Task.Delay(20);
        }
    }
}
