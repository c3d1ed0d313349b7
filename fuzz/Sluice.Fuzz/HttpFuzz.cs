using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sluice.Fuzz;

/// <summary>
/// The same mutated inputs sent to a running server at every endpoint that reads them: whatever comes in, the
/// answer is never a 5xx other than the documented 503s (memory, queries, storage), and the server stays ready.
/// </summary>
public sealed class HttpFuzz(HttpClient http, int? syslogTcpPort = null)
{
    /// <summary>Mutated SQL for custom queries (the in-process targets do not include the engine).</summary>
    public static readonly byte[][] SqlSeeds = [.. new[]
    {
        "SELECT service, count(*) AS n FROM logs GROUP BY service ORDER BY n DESC LIMIT 10",
        "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(n, s)",
        "WITH t AS (SELECT level, time FROM logs) SELECT level, min(time) FROM t GROUP BY level",
        "SELECT regexp_extract(message, '[0-9]+') AS d, lpad(service, 5, 'x') FROM events LIMIT 3",
    }.Select(Encoding.UTF8.GetBytes)];

    /// <summary>The 5xx answers Sluice documents; anything else at or above 500 is a failure.</summary>
    private static readonly HashSet<string> DocumentedUnavailable = ["memory_full", "storage_behind", "storage_unavailable", "too_many_queries", "query_memory", "recovering", "retry_in_flight"];

    /// <summary>Sends <paramref name="input"/> where <paramref name="target"/>'s inputs go; returns null when the answer is acceptable, else why not.</summary>
    public async Task<string?> SendAsync(string target, byte[] input)
    {
        foreach (var request in Requests(target, input))
        {
            using (request)
            using (var response = await http.SendAsync(request))
            {
                var status = (int)response.StatusCode;
                if (status < 500)
                {
                    continue;
                }

                var body = await response.Content.ReadAsStringAsync();
                if (status is 503 or 504 or 507 && Code(body) is { } code && (DocumentedUnavailable.Contains(code) || code is "query_timeout" or "storage_full"))
                {
                    continue;
                }

                return $"{request.Method} {request.RequestUri} answered {status}: {body[..Math.Min(body.Length, 300)]}";
            }
        }

        if (target == "syslog" && syslogTcpPort is { } port)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            await client.GetStream().WriteAsync(input);
        }

        return null;
    }

    /// <summary>The endpoints each target's inputs are read at.</summary>
    public static IEnumerable<HttpRequestMessage> Requests(string target, byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        switch (target)
        {
            case "native":
                yield return Post("/api/ingest", input, "application/x-ndjson");
                yield return Post("/api/logs/batch", input, "application/json");
                yield return Post("/api/traffic-logs/v2", input, "application/json");
                break;
            case "clef":
                yield return Post("/api/events/raw?clef", input, "application/vnd.serilog.clef");
                break;
            case "seq-envelope":
                yield return Post("/api/events/raw", input, "application/json");
                break;
            case "otlp-protobuf":
                yield return Post("/v1/logs", input, "application/x-protobuf");
                break;
            case "otlp-json":
                yield return Post("/v1/logs", input, "application/json");
                break;
            case "loki-json":
                yield return Post("/loki/api/v1/push", input, "application/json");
                break;
            case "loki-protobuf":
                yield return Post("/loki/api/v1/push", input, "application/x-protobuf");
                break;
            case "bulk":
                yield return Post("/_bulk", input, "application/x-ndjson");
                break;
            case "query-language":
                yield return new HttpRequestMessage(HttpMethod.Get, "/api/logs/search?query=" + Uri.EscapeDataString(text));
                yield return new HttpRequestMessage(HttpMethod.Get, "/api/logs/aggregate?group_by=service&query=" + Uri.EscapeDataString(text));
                yield return Post("/api/logs/analytics/custom", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { query = text })), "application/json");
                break;
            case "formulas":
                yield return Post("/api/v1/formulas/execute", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { formula = text, bucket = "1h" })), "application/json");
                break;
            case "cursors":
                yield return new HttpRequestMessage(HttpMethod.Get, "/api/logs/search?cursor=" + Uri.EscapeDataString(text));
                break;
            case "sql":
                yield return Post("/api/logs/analytics/custom", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { sql = text })), "application/json");
                break;
        }
    }

    private static HttpRequestMessage Post(string path, byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static string? Code(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
