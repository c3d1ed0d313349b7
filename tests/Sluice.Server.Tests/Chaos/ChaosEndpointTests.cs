using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Chaos;

/// <summary><c>/api/admin/chaos</c>: off unless enabled, checked field by field, and visible in health and <c>/metrics</c>.</summary>
public sealed class ChaosEndpointTests
{
    [Fact]
    public async Task Without_chaos_enabled_every_chaos_endpoint_answers_404_chaos_disabled()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var (method, url) in new[] { (HttpMethod.Post, "/api/admin/chaos"), (HttpMethod.Get, "/api/admin/chaos"), (HttpMethod.Delete, "/api/admin/chaos"), (HttpMethod.Delete, "/api/admin/chaos/archive") })
        {
            var (status, body) = await ChaosClient.SendAsync(server.Http, method, url, method == HttpMethod.Post ? new { dependency = "archive", mode = "fail", seconds = 5 } : null);
            Assert.Equal(404, status);
            Assert.Equal("chaos_disabled", body.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Only_an_admin_key_may_inject_list_or_end_faults()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Auth = new Core.Options.AuthOptions { ApiKeys = "read-key-456:read,admin-key-789:admin" },
            Chaos = o.Chaos with { Enabled = true },
        });
        var body = new { dependency = "archive", mode = "fail", seconds = 5 };
        server.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "read-key-456");
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Get, HttpMethod.Delete })
        {
            var (status, problem) = await ChaosClient.SendAsync(server.Http, method, "/api/admin/chaos", method == HttpMethod.Post ? body : null);
            Assert.Equal(403, status);
            Assert.Equal("insufficient_scope", problem.GetProperty("code").GetString());
        }

        server.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "admin-key-789");
        Assert.Equal("fail", (await ChaosClient.InjectAsync(server.Http, "archive", "fail", 5)).GetProperty("mode").GetString());
    }

    [Fact]
    public async Task A_bad_request_answers_400_naming_the_field()
    {
        await using var server = await TestServer.StartAsync(o => o with { Chaos = o.Chaos with { Enabled = true, MaxSeconds = 60 } });
        foreach (var (request, field, code) in new (object, string, string)[]
        {
            (new { mode = "fail", seconds = 5 }, "dependency", "missing_field"),
            (new { dependency = "nosuch", mode = "fail", seconds = 5 }, "dependency", "invalid_value"),
            (new { dependency = 7, mode = "fail", seconds = 5 }, "dependency", "invalid_type"),
            (new { dependency = "archive", mode = "explode", seconds = 5 }, "mode", "invalid_value"),
            (new { dependency = "archive", seconds = 5 }, "mode", "missing_field"),
            (new { dependency = "archive", mode = "fail", seconds = 61 }, "seconds", "invalid_value"),
            (new { dependency = "archive", mode = "fail", seconds = 0 }, "seconds", "invalid_value"),
            (new { dependency = "archive", mode = "fail" }, "seconds", "missing_field"),
            (new { dependency = "archive", mode = "slow", seconds = 5, delay_ms = "x" }, "delay_ms", "invalid_type"),
        })
        {
            var (status, body) = await ChaosClient.SendAsync(server.Http, HttpMethod.Post, "/api/admin/chaos", request);
            Assert.True(status == 400, $"{JsonSerializer.Serialize(request)} answered {status}: {body}");
            Assert.Equal(field, body.GetProperty("field").GetString());
            Assert.Equal(code, body.GetProperty("code").GetString());
        }

        Assert.Empty((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());
        var (deleted, problem) = await ChaosClient.SendAsync(server.Http, HttpMethod.Delete, "/api/admin/chaos/nosuch");
        Assert.Equal(404, deleted);
        Assert.Equal("dependency", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_injected_fault_is_listed_with_its_remaining_time_shown_in_health_and_metrics_and_ends_on_delete()
    {
        await using var server = await TestServer.StartAsync(o => o with { Chaos = o.Chaos with { Enabled = true } });
        var fault = await ChaosClient.InjectAsync(server.Http, "archive", "slow", 30, delayMs: 250);
        Assert.Equal("slow", fault.GetProperty("mode").GetString());
        Assert.Equal(250, fault.GetProperty("delay_ms").GetInt32());

        var listed = Assert.Single((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());
        Assert.Equal("archive", listed.GetProperty("dependency").GetString());
        Assert.InRange(listed.GetProperty("remaining_seconds").GetDouble(), 25, 30);

        var archive = await ChaosClient.ComponentAsync(server.Http, "archive");
        Assert.Equal("degraded", archive.GetProperty("status").GetString());
        Assert.Equal("slow", archive.GetProperty("details").GetProperty("injected").GetProperty("mode").GetString());
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_chaos_injected{dependency=\"archive\",mode=\"slow\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_chaos_injected{dependency=\"archive\",mode=\"fail\"} 0", metrics, StringComparison.Ordinal);

        // Injecting again replaces the dependency's fault.
        await ChaosClient.InjectAsync(server.Http, "archive", "fail", 30);
        listed = Assert.Single((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());
        Assert.Equal("fail", listed.GetProperty("mode").GetString());

        var (status, ended) = await ChaosClient.SendAsync(server.Http, HttpMethod.Delete, "/api/admin/chaos/archive");
        Assert.Equal(200, status);
        Assert.Equal(1, ended.GetProperty("ended").GetInt32());
        Assert.Empty((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());
        archive = await ChaosClient.ComponentAsync(server.Http, "archive");
        Assert.Equal("ok", archive.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, archive.GetProperty("details").GetProperty("injected").ValueKind);
        Assert.Contains("sluice_chaos_injected{dependency=\"archive\",mode=\"fail\"} 0", await server.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fault_ends_by_itself_and_delete_without_a_dependency_ends_them_all()
    {
        await using var server = await TestServer.StartAsync(o => o with { Chaos = o.Chaos with { Enabled = true } });
        await ChaosClient.InjectAsync(server.Http, "archive", "fail", 1);
        await Task.Delay(1_300);
        Assert.Empty((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());

        await ChaosClient.InjectAsync(server.Http, "archive", "fail", 60);
        var (_, ended) = await ChaosClient.SendAsync(server.Http, HttpMethod.Delete, "/api/admin/chaos");
        Assert.Equal(1, ended.GetProperty("ended").GetInt32());
        Assert.Empty((await ChaosClient.ListAsync(server.Http)).GetProperty("faults").EnumerateArray());
    }
}
