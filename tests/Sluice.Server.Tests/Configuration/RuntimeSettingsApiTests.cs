using System.Net;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

public sealed class RuntimeSettingsApiTests
{
    private const string Settings = "/api/v1/config/settings";

    [Fact]
    public async Task A_change_is_validated_applied_audited_rolled_back_and_kept_across_a_restart()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxLimit = 777 } });
        var before = await server.GetJsonAsync(Settings);
        Assert.Equal(0, before.GetProperty("version").GetInt64());
        var maxLimit = before.GetProperty("settings").GetProperty("Query:MaxLimit");
        Assert.Equal("777", maxLimit.GetProperty("value").GetString());
        Assert.Equal("configured", maxLimit.GetProperty("origin").GetString());
        Assert.False(maxLimit.GetProperty("reloadable").GetBoolean());
        Assert.Equal("default", before.GetProperty("settings").GetProperty("Alerts:CooldownSeconds").GetProperty("origin").GetString());
        Assert.True(before.GetProperty("features").GetProperty("tail").GetBoolean());

        // Refusals change nothing: a bad value, a restart-only setting, an unknown one, a stale version.
        await ExpectProblem(server, """{"settings":{"Alerts:CooldownSeconds":-5,"Features:Tail":false}}""", 400, "invalid_setting", "Alerts:CooldownSeconds");
        await ExpectProblem(server, """{"settings":{"Features:Tail":false,"Listen":"127.0.0.1:1"}}""", 409, "setting_not_reloadable", "Listen");
        await ExpectProblem(server, """{"settings":{"Nope:Key":1}}""", 400, "unknown_setting", "Nope:Key");
        await ExpectProblem(server, """{"settings":{"Features:Tail":"maybe"}}""", 400, "invalid_setting", "Features:Tail");
        await ExpectProblem(server, """{"settings":{"Features:Tail":false},"expectedVersion":3}""", 409, "version_conflict", "expectedVersion");
        Assert.Equal(0, (await server.GetJsonAsync(Settings)).GetProperty("version").GetInt64());

        var (status, body, _) = await server.PostAsync(Settings, """{"settings":{"features:tail":false,"Alerts:CooldownSeconds":30},"reason":"quiet night","expectedVersion":0}""");
        Assert.True(status == 200, body.ToString());
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        var after = await server.GetJsonAsync(Settings);
        Assert.False(after.GetProperty("features").GetProperty("tail").GetBoolean());
        Assert.Equal("runtime", after.GetProperty("settings").GetProperty("Features:Tail").GetProperty("origin").GetString());
        Assert.Equal("30", after.GetProperty("settings").GetProperty("Alerts:CooldownSeconds").GetProperty("value").GetString());

        (status, body, _) = await server.PostAsync(Settings, """{"settings":{"Alerts:CooldownSeconds":null},"reason":"back to the file's"}""");
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        Assert.Equal("600", (await server.GetJsonAsync(Settings)).GetProperty("settings").GetProperty("Alerts:CooldownSeconds").GetProperty("value").GetString());

        var history = (await server.GetJsonAsync("/api/v1/config/history")).GetProperty("history").EnumerateArray().ToList();
        Assert.Equal([2L, 1L], history.Select(h => h.GetProperty("version").GetInt64()));
        var first = history[1];
        Assert.Equal("local", first.GetProperty("who").GetString());
        Assert.Equal("quiet night", first.GetProperty("reason").GetString());
        var changes = first.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!);
        Assert.Equal("600", changes["Alerts:CooldownSeconds"].GetProperty("from").GetString());
        Assert.Equal("30", changes["Alerts:CooldownSeconds"].GetProperty("to").GetString());
        Assert.Equal("False", changes["Features:Tail"].GetProperty("to").GetString());

        (status, body, _) = await server.PostAsync("/api/v1/config/rollback", """{"version":1}""");
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("version").GetInt64());
        Assert.Equal(1, body.GetProperty("record").GetProperty("rollback_of").GetInt64());
        Assert.Equal("30", (await server.GetJsonAsync(Settings)).GetProperty("settings").GetProperty("Alerts:CooldownSeconds").GetProperty("value").GetString());
        (status, body, _) = await server.PostAsync("/api/v1/config/rollback", """{"version":99}""");
        Assert.Equal(404, status);
        Assert.Equal("unknown_version", body.GetProperty("code").GetString());

        await server.RestartAsync(o => o with { Query = o.Query with { MaxLimit = 777 } });
        var restarted = await server.GetJsonAsync(Settings);
        Assert.Equal(3, restarted.GetProperty("version").GetInt64());
        Assert.False(restarted.GetProperty("features").GetProperty("tail").GetBoolean());
        Assert.Equal("runtime", restarted.GetProperty("settings").GetProperty("Alerts:CooldownSeconds").GetProperty("origin").GetString());
        Assert.Equal(3, (await server.GetJsonAsync("/api/v1/config/history")).GetProperty("history").GetArrayLength());
        var health = await server.GetJsonAsync("/api/v1/config/health");
        Assert.True(health.GetProperty("healthy").GetBoolean());
        Assert.True(health.GetProperty("runtime_loaded").GetBoolean());
        Assert.Equal(3, health.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Two_changes_sent_at_once_with_the_same_expected_version_do_not_both_win()
    {
        await using var server = await TestServer.StartAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            server.PostAsync(Settings, "{\"settings\":{\"Alerts:CooldownSeconds\":" + (100 + i) + "},\"expectedVersion\":0}")));
        Assert.Single(answers, a => a.Status == 200);
        Assert.All(answers.Where(a => a.Status != 200), a => Assert.Equal("version_conflict", a.Body.GetProperty("code").GetString()));

        // Without a version check every change is kept, one version each.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => server.PostAsync(Settings, i % 2 == 0 ? """{"settings":{"Features:Patterns":true}}""" : """{"settings":{"Features:Patterns":false}}""")));
        var history = (await server.GetJsonAsync("/api/v1/config/history")).GetProperty("history");
        Assert.Equal(Enumerable.Range(1, 9).Reverse().Select(v => (long)v), history.EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task The_caller_is_named_by_its_key_id_never_the_key_and_other_scopes_are_refused()
    {
        const string Admin = "admin-key-0123456789", Reader = "read-key-0123456789";
        await using var server = await TestServer.StartAsync(o => o with { Auth = o.Auth with { ApiKeys = $"{Admin}:admin,{Reader}:read" } });
        using var reader = new HttpRequestMessage(HttpMethod.Get, Settings) { Headers = { { "X-Api-Key", Reader } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.SendAsync(reader)).StatusCode);
        using var post = new HttpRequestMessage(HttpMethod.Post, Settings) { Headers = { { "X-Api-Key", Admin } } };
        post.Content = new StringContent("""{"settings":{"Features:Patterns":false}}""", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(post)).StatusCode);
        using var history = new HttpRequestMessage(HttpMethod.Get, "/api/v1/config/history") { Headers = { { "X-Api-Key", Admin } } };
        var text = await (await server.Http.SendAsync(history)).Content.ReadAsStringAsync();
        var who = JsonDocument.Parse(text).RootElement.GetProperty("history")[0].GetProperty("who").GetString();
        Assert.Matches("^key:[0-9a-f]{12}$", who);
        Assert.DoesNotContain(Admin, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_patterns_off_no_new_events_are_counted_and_with_them_on_again_they_are()
    {
        await using var server = await TestServer.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(server, Events(3, now, "disk sda is 91% full"));
        var report = await server.GetJsonAsync($"/api/logs/analytics/patterns?start_time={now - 3_600_000}&end_time={now + 3_600_000}&min_frequency=0");
        var id = report.GetProperty("patterns").EnumerateArray().Single().GetProperty("id").GetString();
        Assert.Equal(3, await FrequencyAsync(server, id!));

        Assert.Equal(200, (await server.PostAsync(Settings, """{"settings":{"Features:Patterns":false}}""")).Status);
        await Api.PostAsync(server, Events(4, now + 100, "disk sda is 91% full")); // other times: not retries of the first
        Assert.Equal(3, await FrequencyAsync(server, id!));

        Assert.Equal(200, (await server.PostAsync(Settings, """{"settings":{"Features:Patterns":null}}""")).Status);
        await Api.PostAsync(server, Events(2, now + 200, "disk sda is 91% full"));
        Assert.Equal(5, await FrequencyAsync(server, id!));
    }

    [Fact]
    public async Task With_tail_off_new_subscriptions_get_503_feature_disabled()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(200, (await server.PostAsync(Settings, """{"settings":{"Features:Tail":false}}""")).Status);
        using var response = await server.Http.GetAsync("/api/logs/tail");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("feature_disabled", body.GetProperty("code").GetString());
        Assert.Equal("Features:Tail", body.GetProperty("field").GetString());

        Assert.Equal(200, (await server.PostAsync(Settings, """{"settings":{"Features:Tail":true}}""")).Status);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var open = await server.Http.GetAsync("/api/logs/tail", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        await cancel.CancelAsync();
    }

    [Fact]
    public async Task A_cors_change_holds_from_the_next_request()
    {
        await using var server = await TestServer.StartAsync();
        Assert.False((await PreflightAsync(server)).Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(200, (await server.PostAsync(Settings, """{"settings":{"Cors:AllowedOrigins":"https://app.example.test"}}""")).Status);
        Assert.Equal("https://app.example.test", Assert.Single((await PreflightAsync(server)).Headers.GetValues("Access-Control-Allow-Origin")));
        var health = await server.GetJsonAsync("/api/v1/config/health");
        var cors = health.GetProperty("reloads").EnumerateArray().Single(r => r.GetProperty("consumer").GetString() == "cors");
        Assert.True(cors.GetProperty("ok").GetBoolean());
        Assert.Equal(1, cors.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task An_unreadable_runtime_layer_leaves_the_server_up_and_its_health_unhealthy()
    {
        var dir = TestServer.NewDataDir();
        Directory.CreateDirectory(Path.Combine(dir, "meta", "settings", "versions"));
        await File.WriteAllTextAsync(Path.Combine(dir, "meta", "settings", "versions", "4.json"), "{not json");
        await using var server = await TestServer.StartAsync(dataDir: dir);
        var health = await server.GetJsonAsync("/api/v1/config/health");
        Assert.False(health.GetProperty("healthy").GetBoolean());
        Assert.False(health.GetProperty("runtime_loaded").GetBoolean());
        await ExpectProblem(server, """{"settings":{"Features:Tail":false}}""", 503, "settings_unavailable", null);
        Directory.Delete(dir, recursive: true);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(TestServer server)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/ingest");
        request.Headers.Add("Origin", "https://app.example.test");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        return await server.Http.SendAsync(request);
    }

    private static async Task<long> FrequencyAsync(TestServer server, string id) =>
        (await server.GetJsonAsync($"/api/logs/patterns/{id}")).GetProperty("frequency").GetInt64();

    private static async Task ExpectProblem(TestServer server, string body, int status, string code, string? field)
    {
        var answer = await server.PostAsync(Settings, body);
        Assert.True(answer.Status == status, $"{body} → {answer.Status} {answer.Body}");
        Assert.Equal(code, answer.Body.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, answer.Body.GetProperty("field").GetString());
            Assert.Contains(field, answer.Body.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    private static IEnumerable<string> Events(int count, long timestamp, string message) =>
        Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["message"] = message,
            ["service"] = "ops",
            ["level"] = Levels.Name(EventLevel.Info),
            ["timestamp"] = timestamp + i,
        }));
}
