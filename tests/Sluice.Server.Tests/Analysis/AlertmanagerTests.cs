using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>Against the real Prometheus Alertmanager (Debian's, started by scripts/test.sh): the alert is there, then resolved.</summary>
public sealed class AlertmanagerTests
{
    [AlertmanagerFact]
    public async Task A_firing_rule_is_an_active_alert_in_alertmanager_and_its_resolution_ends_it()
    {
        var alertmanager = AlertmanagerFact.Url!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var ready = await http.GetAsync(alertmanager + "/-/ready");
            Assert.True(ready.IsSuccessStatusCode, $"Alertmanager at {alertmanager} is not ready: {(int)ready.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            Assert.Fail($"{AlertmanagerFact.Variable}={alertmanager} is set but Alertmanager does not answer: {e.Message}");
        }

        // Alertmanager drops alerts whose endsAt has passed: the server's clock is the real one here.
        await using var server = await TestServer.StartAsync(o => o with { Alerts = o.Alerts with { DashboardUrl = "https://sluice.example" } });
        var rule = await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"payment errors {{Guid.NewGuid():N}}","kind":"threshold","query":"level:error service:pay","above":1,"window_minutes":5,
             "labels":{"team":"payments"},"channels":[{"type":"alertmanager","url":"{{alertmanager}}"}]}
            """);
        var id = rule.GetProperty("id").GetString()!;
        await AlertApi.PostErrorsAsync(server, 3);
        await AlertApi.EvaluateAsync(server);

        var alert = await WaitAsync(http, alertmanager, id, present: true);
        var labels = alert.GetProperty("labels");
        Assert.Equal("payments", labels.GetProperty("team").GetString());
        Assert.Equal("warning", labels.GetProperty("severity").GetString());
        Assert.Equal("threshold", labels.GetProperty("kind").GetString());
        var annotations = alert.GetProperty("annotations");
        Assert.Equal("level:error service:pay", annotations.GetProperty("query").GetString());
        Assert.Contains("payment", annotations.GetProperty("samples").GetString());
        Assert.Equal("https://sluice.example/explore?q=level%3Aerror%20service%3Apay", alert.GetProperty("generatorURL").GetString());
        Assert.Equal("active", alert.GetProperty("status").GetProperty("state").GetString());

        // The rule resolves once its threshold is no longer passed: Alertmanager is told endsAt = now.
        var put = await server.Http.PutAsync($"/api/alerts/rules/{id}", new StringContent($$"""
            {"name":"{{rule.GetProperty("spec").GetProperty("name").GetString()}}","kind":"threshold","query":"level:error service:pay","above":1000,"window_minutes":5,
             "labels":{"team":"payments"},"channels":[{"type":"alertmanager","url":"{{alertmanager}}"}]}
            """, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await AlertApi.EvaluateAsync(server);
        await WaitAsync(http, alertmanager, id, present: false);
    }

    /// <summary>Polls <c>GET /api/v2/alerts</c> until the rule's alert is (or is no longer) active.</summary>
    private static async Task<JsonElement> WaitAsync(HttpClient http, string alertmanager, string ruleId, bool present)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var alerts = JsonDocument.Parse(await http.GetStringAsync($"{alertmanager}/api/v2/alerts?filter=rule_id%3D%22{ruleId}%22")).RootElement.Clone();
            var found = alerts.EnumerateArray().FirstOrDefault(a => a.GetProperty("labels").TryGetProperty("rule_id", out var r) && r.GetString() == ruleId);
            if ((found.ValueKind != JsonValueKind.Undefined) == present)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, present ? $"Alertmanager never showed the alert of {ruleId}: {alerts}" : $"the alert of {ruleId} stayed active: {alerts}");
            await Task.Delay(100);
        }
    }
}

/// <summary>Short name for the attribute's helpers.</summary>
internal static class AlertmanagerFact
{
    public static string? Url => AlertmanagerFactAttribute.Url;

    public static string Variable => AlertmanagerFactAttribute.Variable;
}
