using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Options;
using Sluice.Server.Http;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Every endpoint the server maps × no key, a wrong key, a key without the scope, the right key.</summary>
public sealed class AuthApiTests
{
    private const string Keys = "ingest-key-123:ingest,read-key-456:read,admin-key-789:admin,both-key-000:ingest+read";

    private static readonly Dictionary<ApiScope, (string Right, string Lacking)> KeysFor = new()
    {
        [ApiScope.Ingest] = ("ingest-key-123", "read-key-456"),
        [ApiScope.Read] = ("read-key-456", "ingest-key-123"),
        [ApiScope.Admin] = ("admin-key-789", "both-key-000"),
    };

    [Fact]
    public async Task Every_endpoint_needs_a_valid_key_with_its_scope()
    {
        // The gRPC port on too, so the OTLP gRPC service's endpoint is among those checked.
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys }, Protocols = o.Protocols with { OtlpGrpcPort = 0 } });
        var endpoints = server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.Contains("LogsService/Export", StringComparison.Ordinal));
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} endpoints found");
        foreach (var endpoint in endpoints)
        foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
        {
            var scope = endpoint.Metadata.GetMetadata<RequiredScope>();
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/').Replace("{id}", "x", StringComparison.Ordinal)
                .Replace("{traceId}", "x", StringComparison.Ordinal).Replace("{index}", "x", StringComparison.Ordinal);
            Assert.True(scope is not null, $"{method} {path} declares no scope");
            if (scope.Scope == ApiScope.None)
            {
                // Open to anyone: health, the dashboard's page and its sign-in (which refuses an empty body with 400).
                var open = await Send(server, method, path, null);
                Assert.True(open is HttpStatusCode.OK or HttpStatusCode.NoContent || (method == "POST" && open == HttpStatusCode.BadRequest), $"{method} {path} without a key: {open}");
                continue;
            }

            var (right, lacking) = KeysFor[scope.Scope];
            if (method == "HEAD")
            {
                // No body to name the code: the statuses alone.
                Assert.Equal(HttpStatusCode.Unauthorized, await Send(server, method, path, null));
                Assert.Equal(HttpStatusCode.Unauthorized, await Send(server, method, path, "not-a-key"));
                Assert.Equal(HttpStatusCode.Forbidden, await Send(server, method, path, lacking));
            }
            else
            {
                Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await SendCode(server, method, path, null));
                Assert.Equal((HttpStatusCode.Unauthorized, "invalid_api_key"), await SendCode(server, method, path, "not-a-key"));
                Assert.Equal((HttpStatusCode.Forbidden, "insufficient_scope"), await SendCode(server, method, path, lacking));
            }

            var allowed = await Send(server, method, path, right);
            Assert.True(allowed is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{method} {path} with {right}: {allowed}");
        }
    }

    [Fact]
    public async Task Keys_are_read_from_bearer_x_api_key_seq_headers_and_the_seq_query_parameter()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys } });
        foreach (var attach in new Action<HttpRequestMessage>[]
        {
            r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "read-key-456"),
            r => r.Headers.Add("X-Api-Key", "read-key-456"),
            r => r.Headers.Add("X-Seq-ApiKey", "read-key-456"),
            r => r.RequestUri = new Uri(r.RequestUri!.OriginalString + "?apiKey=read-key-456", UriKind.Relative),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/storage/stats");
            attach(request);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var metrics = await server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal("Bearer", metrics.Headers.WwwAuthenticate.Single().Scheme);

        // Every refusal is counted by reason and scope.
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Add("X-Api-Key", "read-key-456");
        using var text = await server.Http.SendAsync(scrape);
        Assert.Contains("sluice_auth_rejected_total{reason=\"missing_api_key\",scope=\"read\"} 1", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_can_be_opened_and_health_probes_never_need_a_key()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys, OpenMetrics = true } });
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/api/logs/search")).StatusCode);
    }

    [Fact]
    public async Task Without_keys_only_loopback_clients_are_served()
    {
        await using var server = await TestServer.StartAsync(o => o with { Listen = "0.0.0.0:0" });
        var port = server.Http.BaseAddress!.Port;
        using (var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") })
        {
            Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/api/storage/stats")).StatusCode);
        }

        // Reaching the same server through one of this machine's other addresses makes the client non-loopback.
        var other = MachineAddress.OtherThanLoopback();
        if (other is null)
        {
            return; // a machine with loopback alone cannot have a remote client; the loopback half above still ran
        }

        using var remote = new HttpClient { BaseAddress = new Uri($"http://{other}:{port}/") };
        using var refused = await remote.GetAsync("/api/storage/stats");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("loopback_only", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await remote.GetAsync("/health/live")).StatusCode);
    }

    private static async Task<HttpStatusCode> Send(TestServer server, string method, string path, string? key)
    {
        using var response = await Request(server, method, path, key);
        return response.StatusCode;
    }

    private static async Task<(HttpStatusCode, string?)> SendCode(TestServer server, string method, string path, string? key)
    {
        using var response = await Request(server, method, path, key);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length > 0 ? JsonDocument.Parse(body).RootElement.GetProperty("code").GetString() : null);
    }

    private static Task<HttpResponseMessage> Request(TestServer server, string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        if (method is "POST" or "DELETE")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        // Headers only: a live-tail stream answers 200 and never ends.
        return server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}

/// <summary>Security headers on every kind of answer.</summary>
public sealed class SecurityHeaderTests
{
    [Fact]
    public async Task Every_answer_carries_the_security_headers()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = "read-key-456:read" } });
        foreach (var (method, path, expected) in new[]
        {
            ("GET", "/health/live", HttpStatusCode.OK),
            ("GET", "/api/logs/search", HttpStatusCode.Unauthorized),
            ("GET", "/api/logs/search?apiKey=read-key-456&limit=0", HttpStatusCode.BadRequest),
            ("GET", "/api/logs/search?apiKey=read-key-456", HttpStatusCode.OK),
            ("GET", "/no/such/endpoint", HttpStatusCode.NotFound),
            ("PUT", "/health/live", HttpStatusCode.MethodNotAllowed),
        })
        {
            using var response = await server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal(SecurityHeaders.ApiContentPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS only over TLS");
            Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}

/// <summary>Browsers may post events from the listed origins only; preflights need no key; never credentials with *.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task Listed_origins_get_preflights_answered_without_a_key_and_others_get_nothing()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Auth = new AuthOptions { ApiKeys = "k-ingest-1:ingest" },
            Cors = new CorsOptions { AllowedOrigins = "https://app.example, http://localhost:3000", AllowCredentials = true },
        });
        foreach (var path in new[] { "/log", "/api/ingest", "/api/logs/batch", "/api/traffic-logs/v2" })
        {
            using var allowed = await Preflight(server, path, "https://app.example");
            Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
            Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
            Assert.Contains("X-Api-Key", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());

            using var other = await Preflight(server, path, "https://evil.example");
            Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        }

        // Reading is not for browsers of other origins.
        using var search = await Preflight(server, "/api/logs/search", "https://app.example", "GET");
        Assert.False(search.Headers.Contains("Access-Control-Allow-Origin"));

        using var post = new HttpRequestMessage(HttpMethod.Post, "/log") { Content = new StringContent("""{"message":"from a page"}""", System.Text.Encoding.UTF8, "application/json") };
        post.Headers.Add("Origin", "http://localhost:3000");
        post.Headers.Add("X-Api-Key", "k-ingest-1");
        using var posted = await server.Http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal("http://localhost:3000", posted.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Any_origin_is_possible_but_never_with_credentials()
    {
        await using var server = await TestServer.StartAsync(o => o with { Cors = new CorsOptions { AllowedOrigins = "*" } });
        using var preflight = await Preflight(server, "/log", "https://anywhere.example");
        Assert.Equal("*", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));

        var errors = Sluice.Core.Options.SluiceOptionsValidator.Validate(new SluiceOptions { Cors = new CorsOptions { AllowedOrigins = "*", AllowCredentials = true } });
        Assert.Contains(errors, e => e.StartsWith("Cors:AllowCredentials", StringComparison.Ordinal));
        errors = Sluice.Core.Options.SluiceOptionsValidator.Validate(new SluiceOptions { Cors = new CorsOptions { AllowedOrigins = "https://a.example/path" } });
        Assert.Contains(errors, e => e.StartsWith("Cors:AllowedOrigins", StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> Preflight(TestServer server, string path, string origin, string method = "POST")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        return server.Http.SendAsync(request);
    }
}

/// <summary>Events without a system get one from the request's headers; a system the event names wins.</summary>
public sealed class SystemDetectionTests
{
    [Fact]
    public async Task Events_without_a_system_are_labelled_from_the_request_and_an_explicit_field_wins()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var (id, header, value, body, expected) in new (string, string, string, string, string?)[]
        {
            ("s1", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "", "browser"),
            ("s6", "Sec-Fetch-Mode", "cors", "", null), // fetch metadata alone: Node's fetch sends it too
            ("s7", "User-Agent", "node", "", "backend"),
            ("s2", "CF-Worker", "example.com", "", "worker"),
            ("s3", "User-Agent", "python-requests/2.32", "", "backend"),
            ("s4", "Sec-Fetch-Mode", "cors", ",\"system\":\"backend\"", "backend"),
            ("s5", "X-Unrelated", "1", "", null),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/log") { Content = new StringContent($$"""{"id":"{{id}}","message":"m"{{body}}}""", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stored = await server.GetJsonAsync("/api/logs/" + id);
            Assert.Equal(expected, stored.TryGetProperty("system", out var system) ? system.GetString() : null);
        }
    }
}
