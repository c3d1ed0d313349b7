using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Dashboard;

/// <summary>The dashboard's own endpoints: the page at /, stats, the histogram query, saved config and sign-in.</summary>
public sealed class DashboardApiTests
{
    private const string Keys = "dash-admin-key-1:admin+read,dash-read-key-22:read";

    [Fact]
    public async Task A_browser_gets_the_page_under_a_strict_policy_and_json_clients_keep_the_elasticsearch_handshake()
    {
        await using var server = await TestServer.StartAsync();
        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
        using var html = await server.Http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        var policy = html.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        var text = await html.Content.ReadAsStringAsync();
        Assert.Contains("/app.js", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", text, StringComparison.Ordinal); // nothing from elsewhere
        Assert.DoesNotContain("https://", text, StringComparison.Ordinal);

        using var deepLink = new HttpRequestMessage(HttpMethod.Get, "/trace/abc-123");
        using var deep = await server.Http.SendAsync(deepLink);
        Assert.Equal(text, await deep.Content.ReadAsStringAsync());

        using var handshake = await server.Http.GetAsync("/");
        Assert.Equal("Elasticsearch", handshake.Headers.GetValues("X-elastic-product").Single());
        Assert.Contains("Accept", handshake.Headers.Vary);
        Assert.Contains("Accept", html.Headers.Vary);

        using var script = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        script.Headers.AcceptEncoding.ParseAdd("gzip");
        using var js = await server.Http.SendAsync(script);
        Assert.Equal("gzip", js.Content.Headers.ContentEncoding.Single());
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        again.Headers.IfNoneMatch.Add(js.Headers.ETag!);
        using var notModified = await server.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Stats_count_what_was_stored_from_memory_and_from_sealed_parts_alike()
    {
        await using var server = await TestServer.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var level = i % 3 == 0 ? "error" : "info";
            events.Add($$"""{"timestamp":{{now - (i * 60_000)}},"message":"log {{i}}","level":"{{level}}","service":"svc{{i % 2}}"}""");
            var decision = i % 5 == 0 ? "block" : "allow";
            events.Add($$"""{"kind":"traffic","timestamp":{{now - (i * 60_000)}},"domain":"shop.example","decision":"{{decision}}","country":"DE","ip":"192.0.2.{{i}}","path":"/p","method":"GET","status":200,"reason":"{{(decision == "block" ? "bot" : "ok")}}"}""");
        }

        await Api.PostAsync(server, events);
        var range = $"start_time={now - 7_200_000}&end_time={now + 1}";
        var before = await server.GetJsonAsync("/api/v1/dashboard/stats?" + range);
        await Api.FlushAsync(server);
        var after = await server.GetJsonAsync("/api/v1/dashboard/stats?" + range);

        foreach (var stats in new[] { before, after })
        {
            var logs = stats.GetProperty("logs");
            Assert.Equal(30, logs.GetProperty("total").GetInt64());
            Assert.Equal(10, logs.GetProperty("by_level").GetProperty("error").GetInt64());
            Assert.Equal(10.0 / 30, logs.GetProperty("error_share").GetDouble(), 6);
            var traffic = stats.GetProperty("traffic");
            Assert.Equal(30, traffic.GetProperty("total").GetInt64());
            Assert.Equal(6, traffic.GetProperty("decisions").GetProperty("block").GetInt64());
            Assert.Equal("bot", traffic.GetProperty("top_reasons")[1].GetProperty("value").GetString());
            Assert.InRange(traffic.GetProperty("unique_ips").GetInt64(), 29, 31);
            var series = stats.GetProperty("series");
            Assert.Equal(10, series.GetProperty("levels").GetProperty("error").EnumerateArray().Sum(c => c.GetInt64()));
            Assert.Equal(24, series.GetProperty("decisions").GetProperty("allow").EnumerateArray().Sum(c => c.GetInt64()));
            Assert.Equal(series.GetProperty("times").GetArrayLength(), series.GetProperty("levels").GetProperty("info").GetArrayLength());
            Assert.Equal("ok", stats.GetProperty("health").GetProperty("status").GetString());
        }

        Assert.Equal(0, after.GetProperty("health").GetProperty("sealing_lag_events").GetInt64());
        Assert.True(after.GetProperty("health").GetProperty("parts").GetInt32() > 0);
    }

    [Fact]
    public async Task The_histogram_counts_the_matching_events_per_bucket_and_names_a_bad_query_at_its_position()
    {
        await using var server = await TestServer.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(server, Enumerable.Range(0, 12).Select(i => $$"""{"timestamp":{{now - (i * 300_000)}},"message":"m{{i}}","service":"{{(i % 4 == 0 ? "hist" : "other")}}"}"""));
        var (status, answer, _) = await server.PostAsync("/api/v1/dashboard/query", $$"""{"query":"service:hist","start_time":{{now - 3_600_000}},"end_time":{{now + 1}}}""");
        Assert.Equal(200, status);
        Assert.Equal(3, answer.GetProperty("total").GetInt64());
        Assert.Equal(3, answer.GetProperty("series").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64()));
        Assert.Equal(30_000, answer.GetProperty("bucket_ms").GetInt64()); // an hour in at most 120 bars

        var (bad, problem, _) = await server.PostAsync("/api/v1/dashboard/query", """{"query":"service:(hist"}""");
        Assert.Equal(400, bad);
        Assert.Equal("invalid_query", problem.GetProperty("code").GetString());
        Assert.Equal(14, problem.GetProperty("position").GetInt32());
    }

    [Fact]
    public async Task The_saved_config_survives_a_restart_needs_admin_to_change_and_names_a_wrong_field()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys } });
        const string Config = """{"saved_searches":[{"name":"Errors","query":"level:error"}],"pinned_charts":[{"name":"Blocks","query":"decision:block"}],"saved_formulas":[{"name":"Block rate","formula":"count(decision:block) / count() * 100"}],"refresh_seconds":30}""";
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(server, HttpMethod.Post, "/api/v1/dashboard/config", "dash-read-key-22", Config)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(server, HttpMethod.Post, "/api/v1/dashboard/config", "dash-admin-key-1", Config)).Status);

        var (status, body) = await Send(server, HttpMethod.Post, "/api/v1/dashboard/config", "dash-admin-key-1", """{"saved_searches":[{"name":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("saved_searches[0].query", body.GetProperty("field").GetString());
        (status, body) = await Send(server, HttpMethod.Post, "/api/v1/dashboard/config", "dash-admin-key-1", """{"theme":"dark"}""");
        Assert.Equal("theme", body.GetProperty("field").GetString());

        await server.RestartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys } });
        (status, body) = await Send(server, HttpMethod.Get, "/api/v1/dashboard/config", "dash-read-key-22", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("level:error", body.GetProperty("saved_searches")[0].GetProperty("query").GetString());
        Assert.Equal("count(decision:block) / count() * 100", body.GetProperty("saved_formulas")[0].GetProperty("formula").GetString());
        Assert.Equal(30, body.GetProperty("refresh_seconds").GetInt32());
    }

    [Fact]
    public async Task Signing_in_keeps_the_key_in_a_strict_httponly_cookie_that_then_opens_the_api_until_logout()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys } });
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Http.BaseAddress };
        var status = await JsonAsync(http, HttpMethod.Get, "/api/v1/auth/status", null, null);
        Assert.True(status.Body.GetProperty("keys_required").GetBoolean());
        Assert.False(status.Body.GetProperty("signed_in").GetBoolean());

        var wrong = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/validate", """{"api_key":"not-a-key"}""", null);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Empty(wrong.Cookies);

        var signIn = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/validate", """{"api_key":"dash-read-key-22"}""", null);
        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal("read", signIn.Body.GetProperty("scope").GetString());
        Assert.DoesNotContain("dash-read-key-22", signIn.Body.GetRawText(), StringComparison.Ordinal);
        var cookie = Assert.Single(signIn.Cookies);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var pair = cookie.Split(';')[0];

        Assert.Equal(HttpStatusCode.OK, (await JsonAsync(http, HttpMethod.Get, "/api/logs/search", null, pair)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await JsonAsync(http, HttpMethod.Get, "/api/logs/search", null, null)).Status);
        var signedIn = await JsonAsync(http, HttpMethod.Get, "/api/v1/auth/status", null, pair);
        Assert.True(signedIn.Body.GetProperty("signed_in").GetBoolean());
        Assert.Equal("read", signedIn.Body.GetProperty("scope").GetString());
        // A POST with the cookie and no sign that it came from this origin: the cookie does not count.
        Assert.Equal(HttpStatusCode.Unauthorized, (await JsonAsync(http, HttpMethod.Post, "/api/admin/flush", "", pair)).Status);

        var logout = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/logout", "", pair);
        Assert.Contains(logout.Cookies, c => c.StartsWith("sluice_key=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_cookie_changes_nothing_unless_the_browser_says_the_request_came_from_this_origin()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys } });
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Http.BaseAddress };
        var signIn = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/validate", """{"api_key":"dash-admin-key-1"}""", null);
        var pair = Assert.Single(signIn.Cookies).Split(';')[0];
        const string Config = """{"saved_searches":[{"name":"x","query":"level:error"}]}""";

        // A form on another port of this host: SameSite lets the cookie through, the origin check does not.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CookieRequest(http, pair, Config, ("Sec-Fetch-Site", "same-site"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CookieRequest(http, pair, Config, ("Origin", "http://127.0.0.1:1"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CookieRequest(http, pair, Config)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CookieRequest(http, pair, Config, ("Sec-Fetch-Site", "same-origin"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await CookieRequest(http, pair, Config, ("Origin", server.Http.BaseAddress!.GetLeftPart(UriPartial.Authority)))).Status);
        Assert.Equal(HttpStatusCode.OK, (await JsonAsync(http, HttpMethod.Get, "/api/v1/dashboard/config", null, pair)).Status); // reads need no proof
    }

    [Fact]
    public async Task Sign_in_refuses_a_key_that_cannot_read_and_text_that_is_no_text()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = new AuthOptions { ApiKeys = Keys + ",dash-ingest-key-3:ingest" } });
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Http.BaseAddress };
        var ingestOnly = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/validate", """{"api_key":"dash-ingest-key-3"}""", null);
        Assert.Equal(HttpStatusCode.Forbidden, ingestOnly.Status);
        Assert.Equal("insufficient_scope", ingestOnly.Body.GetProperty("code").GetString());
        Assert.Empty(ingestOnly.Cookies);

        var surrogate = await JsonAsync(http, HttpMethod.Post, "/api/v1/auth/validate", """{"api_key":"\ud800"}""", null);
        Assert.Equal(HttpStatusCode.BadRequest, surrogate.Status);
        Assert.Equal("api_key", surrogate.Body.GetProperty("field").GetString());
        var (status, body) = await Send(server, HttpMethod.Post, "/api/v1/dashboard/config", "dash-admin-key-1", """{"saved_searches":[{"name":"\udfff","query":"a"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("saved_searches[0].name", body.GetProperty("field").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CookieRequest(HttpClient http, string cookie, string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dashboard/config") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", cookie);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Send(TestServer server, HttpMethod method, string url, string key, string? body)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Api-Key", key);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, List<string> Cookies)> JsonAsync(HttpClient http, HttpMethod method, string url, string? body, string? cookie)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), cookies);
    }
}
