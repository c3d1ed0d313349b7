using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

/// <summary>Retention changed through the settings API applies from the next cleanup run, without a restart.</summary>
public sealed class RuntimeRetentionTests
{
    private const long HourMs = 3_600_000;
    private const long Now = 1_767_225_600_000 + (200 * HourMs);

    private static string Traffic(string id, long ts) =>
        $$"""{"id":"{{id}}","kind":"traffic","timestamp":{{ts}},"domain":"d.example","decision":"allow","country":"DE"}""";

    private static string Log(string id, long ts) => $$"""{"id":"{{id}}","timestamp":{{ts}},"message":"m {{id}}","service":"ret"}""";

    private static async Task<List<string>> Ids(TestServer server) =>
        [.. (await Api.SearchAllAsync(server, "order=asc")).Select(Api.Id).Order()];

    private static async Task<JsonElement> CleanupAsync(TestServer server, string url, HttpMethod method)
    {
        using var request = new HttpRequestMessage(method, url)
        {
            Content = new StringContent("""{"policy":"ttl"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_shorter_time_to_live_set_at_runtime_is_used_by_the_next_ttl_cleanup()
    {
        var clock = new ManualClock(Now);
        await using var server = await TestServer.StartAsync(o => o with { Storage = new() { CompactAfterMinutes = 0 } }, clock: clock);
        await Api.PostAsync(server,
        [
            Traffic("t-30h", Now - (30 * HourMs)), Traffic("t-10h", Now - (10 * HourMs)),
            Log("l-50h", Now - (50 * HourMs)), Log("l-10h", Now - (10 * HourMs)),
        ]);
        await Api.FlushAsync(server);
        await Api.WaitCompactedAsync(server);

        // Under the start-up retention (traffic 48 h, logs 7 d) nothing has expired.
        Assert.Equal(0, (await CleanupAsync(server, "/api/traffic-logs/v2/cleanup", HttpMethod.Post)).GetProperty("partitions_removed").GetInt32());
        Assert.Equal(0, (await CleanupAsync(server, "/api/logs/cleanup", HttpMethod.Delete)).GetProperty("partitions_removed").GetInt32());
        Assert.Equal(["l-10h", "l-50h", "t-10h", "t-30h"], await Ids(server));

        var (status, body, _) = await server.PostAsync("/api/v1/config/settings",
            """{"settings":{"Retention:TrafficHours":20,"Retention:LogDays":1},"reason":"disk is filling"}""");
        Assert.True(status == 200, body.ToString());

        var traffic = await CleanupAsync(server, "/api/traffic-logs/v2/cleanup", HttpMethod.Post);
        Assert.Equal(1, traffic.GetProperty("events_removed").GetInt64());
        Assert.Contains("(20 h)", traffic.GetProperty("items")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        var logs = await CleanupAsync(server, "/api/logs/cleanup", HttpMethod.Delete);
        Assert.Equal(1, logs.GetProperty("events_removed").GetInt64());
        Assert.Equal(["l-10h", "t-10h"], await Ids(server));

        // Back to the file's values: the younger events stay, and a new 30-hour-old one is kept again.
        (status, body, _) = await server.PostAsync("/api/v1/config/settings", """{"settings":{"Retention:TrafficHours":null,"Retention:LogDays":null}}""");
        Assert.True(status == 200, body.ToString());
        await Api.PostAsync(server, [Traffic("t-30h-again", Now - (30 * HourMs))]);
        await Api.FlushAsync(server);
        Assert.Equal(0, (await CleanupAsync(server, "/api/traffic-logs/v2/cleanup", HttpMethod.Post)).GetProperty("partitions_removed").GetInt32());
        Assert.Equal(["l-10h", "t-10h", "t-30h-again"], await Ids(server));
    }

    [Fact]
    public async Task The_archive_directory_and_a_bad_retention_value_are_refused_at_runtime()
    {
        await using var server = await TestServer.StartAsync();
        var (status, body, _) = await server.PostAsync("/api/v1/config/settings", """{"settings":{"Retention:ArchiveDir":"elsewhere"}}""");
        Assert.Equal(409, status);
        Assert.Equal("setting_not_reloadable", body.GetProperty("code").GetString());
        (status, body, _) = await server.PostAsync("/api/v1/config/settings", """{"settings":{"Retention:TrafficHours":0}}""");
        Assert.Equal(400, status);
        Assert.Equal("invalid_setting", body.GetProperty("code").GetString());
        Assert.Equal("Retention:TrafficHours", body.GetProperty("field").GetString());
        var settings = (await server.GetJsonAsync("/api/v1/config/settings")).GetProperty("settings");
        Assert.True(settings.GetProperty("Retention:TrafficHours").GetProperty("reloadable").GetBoolean());
        Assert.Equal("48", settings.GetProperty("Retention:TrafficHours").GetProperty("value").GetString());
    }
}
