using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice compare --url A [--other B] [--start T] [--end T] [--kind log|traffic] [--share S]</c>: asks Sluice A
/// (<c>GET /api/admin/compare</c>) to set Sluice B's summary of the range beside its own, prints the counts as a
/// table, and exits 0 when they match, 1 when they do not (2: a usage error or a failed request). Keys come from
/// the environment — <c>SLUICE_API_KEY</c> for A (admin), <c>SLUICE_OTHER_API_KEY</c> for B — never from the
/// command line, where other users of the machine could read them.
/// </summary>
public static class CompareCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var url = args.Require("url").TrimEnd('/');
        var query = new StringBuilder();
        foreach (var (option, parameter) in new[] { ("other", "url"), ("start", "start_time"), ("end", "end_time"), ("kind", "kind"), ("share", "share") })
        {
            if (args.Get(option) is { } value)
            {
                query.Append(query.Length == 0 ? '?' : '&').Append(parameter).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        args.RejectUnknown();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120), MaxResponseContentBufferSize = 16 * 1024 * 1024 };
        using var request = new HttpRequestMessage(HttpMethod.Get, url + "/api/admin/compare" + query);
        if (Environment.GetEnvironmentVariable("SLUICE_API_KEY") is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (Environment.GetEnvironmentVariable("SLUICE_OTHER_API_KEY") is { Length: > 0 } otherKey)
        {
            request.Headers.Add("X-Other-Api-Key", otherKey);
        }

        string text;
        try
        {
            using var response = await http.SendAsync(request);
            text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"sluice compare: {url} answered {(int)response.StatusCode}: {ProblemText(text)}");
                return 2;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"sluice compare: {url} is unreachable: {e.Message}");
            return 2;
        }

        using var answer = JsonDocument.Parse(text);
        Print(answer.RootElement);
        return answer.RootElement.GetProperty("match").GetBoolean() ? 0 : 1;
    }

    private static void Print(JsonElement answer)
    {
        Console.WriteLine($"compare {answer.GetProperty("kind").GetString()} {answer.GetProperty("start_time").GetString()} … {answer.GetProperty("end_time").GetString()}"
            + $" with {answer.GetProperty("other").GetString()}, expected share {answer.GetProperty("expected_share").GetDouble().ToString(CultureInfo.InvariantCulture)}");
        var rows = new List<string[]> { new[] { "field", "value", "this", "other", "expected", "difference", "tolerance", "ok" } };
        foreach (var f in answer.GetProperty("fields").EnumerateArray())
        {
            rows.Add([
                f.GetProperty("field").GetString()!,
                f.TryGetProperty("value", out var value) ? value.GetString()! : "",
                f.GetProperty("this").GetInt64().ToString(CultureInfo.InvariantCulture),
                f.GetProperty("other").GetInt64().ToString(CultureInfo.InvariantCulture),
                f.GetProperty("expected").GetDouble().ToString(CultureInfo.InvariantCulture),
                f.GetProperty("difference").GetDouble().ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture),
                f.GetProperty("tolerance").GetInt64().ToString(CultureInfo.InvariantCulture),
                f.GetProperty("match").GetBoolean() ? "yes" : "NO",
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c >= 2 && c <= 6 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }

        var mismatches = answer.GetProperty("mismatches").GetInt32();
        Console.WriteLine(mismatches == 0 ? "result: match" : $"result: MISMATCH ({mismatches} counts differ beyond the tolerance)");
        Console.WriteLine($"tolerance: {answer.GetProperty("tolerance").GetString()}");
    }

    private static string ProblemText(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Length <= 300 ? body : body[..300];
        }
    }
}
