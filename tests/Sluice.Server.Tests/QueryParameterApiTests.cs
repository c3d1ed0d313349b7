using System.Net;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>A query parameter an endpoint does not read is refused with its name, never silently ignored.</summary>
public sealed class QueryParameterApiTests
{
    [Theory]
    [InlineData("GET", "/api/logs/search?q=a&serivce=web", "serivce", "service")]
    [InlineData("GET", "/api/logs/aggregate?group_by=level&kinds=log", "kinds", "group_by")]
    [InlineData("GET", "/api/traffic-logs/v2?decision=block&verdict=block", "verdict", "decision")]
    [InlineData("GET", "/api/storage/stats?verbose=1", "verbose", "apiKey")]
    [InlineData("GET", "/api/v1/monitors?hours=2", "hours", "apiKey")]
    [InlineData("GET", "/api/logs/analytics/summary?kind=log&service=web", "service", "kind")]
    [InlineData("POST", "/loki/api/v1/push?tenant=a", "tenant", "apiKey")]
    [InlineData("POST", "/_bulk?refresh=true&upsert=1", "upsert", "refresh")]
    [InlineData("DELETE", "/api/logs/cleanup?dryrun=true", "dryrun", "dry_run")]
    public async Task An_unknown_parameter_is_refused_with_its_name_and_the_accepted_ones(string method, string url, string unknown, string acceptedOne)
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url} → {(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal("unknown_parameter", problem.GetProperty("code").GetString());
        Assert.Equal(unknown, problem.GetProperty("field").GetString());
        Assert.Contains($"'{unknown}'", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(acceptedOne, problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(acceptedOne, problem.GetProperty("accepted").EnumerateArray().Select(a => a.GetString()));
    }

    [Theory]
    [InlineData("GET", "/api/logs/search?q=a&Service=web&apiKey=")]
    [InlineData("GET", "/api/logs/aggregate?group_by=level&kind=log&time_bucket=1h")]
    [InlineData("GET", "/api/traffic-logs/v2?decision=block&country=DE&path=/a&limit=5")]
    [InlineData("GET", "/api/logs/analytics/patterns?service=web&min_frequency=1&limit=3")]
    [InlineData("GET", "/explore?q=timeout&range=1h&anything=else")]
    [InlineData("GET", "/?filter_path=version.number&pretty")]
    [InlineData("POST", "/_bulk?refresh=wait_for&pipeline=p&filter_path=items.*.error&timeout=1m")]
    [InlineData("POST", "/logs/_bulk?routing=r&wait_for_active_shards=1")]
    [InlineData("POST", "/api/events/raw?clef")]
    public async Task Declared_parameters_and_what_protocol_clients_send_are_accepted(string method, string url)
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST")
        {
            request.Content = url.Contains("_bulk", StringComparison.Ordinal)
                ? new StringContent("{\"index\":{}}\n{\"message\":\"bulk one\"}\n", Encoding.UTF8, "application/x-ndjson")
                : new StringContent("{\"@t\":\"2026-01-01T00:00:00Z\",\"@m\":\"clef one\"}\n", Encoding.UTF8, "application/vnd.serilog.clef");
        }

        using var response = await server.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {url} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task The_dashboard_at_the_root_keeps_its_own_parameters()
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?range=24h&q=anything");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Aggregate_honours_kind()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, ["""{"message":"a log","service":"mix"}""", """{"message":"another log","service":"mix"}""", """{"kind":"traffic","service":"mix","path":"/p"}"""]);
        async Task<long> Count(string kind)
        {
            var body = await server.GetJsonAsync("/api/logs/aggregate?group_by=service&query=service:mix" + kind);
            return body.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64());
        }

        Assert.Equal((3, 2, 1), (await Count(""), await Count("&kind=log"), await Count("&kind=traffic")));
        using var bad = await server.Http.GetAsync("/api/logs/aggregate?kind=logs");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid_parameter", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
