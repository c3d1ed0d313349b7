using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Forwarder;

/// <summary>What the forwarder tests share: a real <c>sluice forward</c> process, and ways to read both ends.</summary>
internal static class Forwarders
{
    /// <summary>Starts <c>sluice forward</c> into <paramref name="upstream"/>, its breaker quick to try again.</summary>
    public static Task<SluiceProcess> StartAsync(string dataDir, int port, Uri upstream, params string[] extra) =>
        StartAsync(dataDir, port, upstream, new Dictionary<string, string>(), extra);

    /// <summary>The same with extra environment variables (a crash point, a setting).</summary>
    public static Task<SluiceProcess> StartAsync(string dataDir, int port, Uri upstream, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.Environment["SLUICE__Breakers__OpenSeconds"] = "0.5";
        info.Environment["SLUICE__Breakers__HalfOpenProbes"] = "1";
        foreach (var arg in new[] { SluiceProcess.Executable, "forward", "--to", upstream.ToString(), "--listen", $"127.0.0.1:{port}", "--data", dataDir }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        return SluiceProcess.StartAsync(info, port);
    }

    public static HttpClient Client(SluiceProcess process) => new() { BaseAddress = process.Url, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Every event id the server holds, once per stored event (so a duplicate shows twice).</summary>
    public static async Task<List<string>> IdsAsync(Uri server)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var text = await http.GetStringAsync($"/api/logs/search?start_time=2000-01-01T00:00:00Z&limit=1000{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            using var page = JsonDocument.Parse(text);
            ids.AddRange(page.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = page.RootElement.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>One value of the mirror sink's metric family on the forwarder's <c>/metrics</c>.</summary>
    public static async Task<long> MetricAsync(Uri forwarder, string family)
    {
        using var http = new HttpClient { BaseAddress = forwarder, Timeout = TimeSpan.FromSeconds(10) };
        var prefix = family + "{sink=\"mirror\"} ";
        var line = (await http.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 30, string what = "a condition")
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // A process still starting, or away on purpose: look again.
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Posts NDJSON of native events; true when the forwarder acknowledged every one (200, all accepted).</summary>
    public static async Task<bool> PostNativeAsync(HttpClient http, IReadOnlyList<string> ids, long timestamp)
    {
        var body = string.Join('\n', ids.Select((id, i) => $$"""{"id":"{{id}}","timestamp":{{timestamp + i}},"message":"fwd {{id}}","service":"edge"}"""));
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync("/api/ingest", content);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("accepted").GetInt32() == ids.Count;
    }
}
