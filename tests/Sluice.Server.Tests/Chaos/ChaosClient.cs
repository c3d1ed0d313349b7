using System.Text;
using System.Text.Json;

namespace Sluice.Server.Tests.Chaos;

/// <summary>Calls to <c>/api/admin/chaos</c> and the health component a scenario watches.</summary>
internal static class ChaosClient
{
    public static async Task<(int Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public static async Task<JsonElement> InjectAsync(HttpClient http, string dependency, string mode, int seconds, int? delayMs = null)
    {
        var (status, body) = await SendAsync(http, HttpMethod.Post, "/api/admin/chaos", new { dependency, mode, seconds, delay_ms = delayMs });
        Assert.True(status == 200, $"chaos answered {status}: {body}");
        return body.GetProperty("fault");
    }

    public static async Task<JsonElement> ListAsync(HttpClient http)
    {
        var (status, body) = await SendAsync(http, HttpMethod.Get, "/api/admin/chaos");
        Assert.True(status == 200, $"chaos answered {status}: {body}");
        return body;
    }

    /// <summary>The named component of <c>/api/traffic-logs/v2/health</c>, or an undefined element when it is not listed.</summary>
    public static async Task<JsonElement> ComponentAsync(HttpClient http, string name)
    {
        using var response = await http.GetAsync("/api/traffic-logs/v2/health");
        var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return health.GetProperty("components").EnumerateArray().FirstOrDefault(c => c.GetProperty("name").GetString() == name);
    }
}
