using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// One question asked of both systems: Sluice through its query language (or search, or the trace endpoint) over
/// HTTP, ClickHouse as SQL over HTTP. <see cref="SluiceSql"/>, where set, is the same question as Sluice's custom SQL.
/// </summary>
internal sealed record PeerQuestion(string Name, Func<HttpClient, Task<PeerAnswer>> Sluice, string ClickHouseSql, bool TopWithTies = false, string? SluiceSql = null);

/// <summary>The question set (a)–(f) of docs/benchmarks.md over one day of the standard dataset.</summary>
internal static class PeerQuestions
{
    private const long Hour = 3_600_000;

    public static List<PeerQuestion> For(long dayStart, string traceId)
    {
        var t = ClickHousePeer.Table;
        var (from, to) = (Ms(dayStart), Ms(dayStart + (24 * Hour)));
        var busy = dayStart + (12 * Hour);
        var (hourFrom, hourTo) = (Ms(busy), Ms(busy + Hour));
        string Range(long start, long end) => $"_time:[{Timestamps.ToIso(start)}, {Timestamps.ToIso(end)})";
        var day = Range(dayStart, dayStart + (24 * Hour));
        return
        [
            new("(a) count by level, 24 h", Language($"{day} kind:log | stats count() by level"),
                $"SELECT level, count() FROM {t} WHERE timestamp >= {from} AND timestamp < {to} AND kind = '' GROUP BY level",
                SluiceSql: $"SELECT level, count(*) FROM logs WHERE timestamp >= {from} AND timestamp < {to} GROUP BY level"),
            new("(b) top-10 countries of blocks, 1 h", Language($"{Range(busy, busy + Hour)} decision:block | top 10 country"),
                $"SELECT country, count() AS c FROM {t} WHERE timestamp >= {hourFrom} AND timestamp < {hourTo} AND decision = 'block' GROUP BY country ORDER BY c DESC LIMIT 10",
                TopWithTies: true,
                SluiceSql: $"SELECT country, count(*) AS c FROM traffic WHERE timestamp >= {hourFrom} AND timestamp < {hourTo} AND decision = 'block' GROUP BY country ORDER BY c DESC LIMIT 10"),
            new("(c) 'timeout' in any case, count", Language("timeout | stats count()"),
                $"SELECT count() FROM {t} WHERE positionCaseInsensitive(message, 'timeout') > 0",
                SluiceSql: "SELECT count(*) FROM events WHERE contains(lower(message), 'timeout')"),
            new("(c) the same, newest 100", async http => PeerAnswer.FromEvents(await GetEvents(http, "api/logs/search?query=timeout&limit=100"), "timestamp", "span_id"),
                $"SELECT timestamp, span_id FROM {t} WHERE positionCaseInsensitive(message, 'timeout') > 0 ORDER BY timestamp DESC LIMIT 100"),
            new("(g) a rare term (5 events), newest 100", async http => PeerAnswer.FromEvents(await GetEvents(http, "api/logs/search?query=zebracorn&limit=100"), "timestamp", "message"),
                $"SELECT timestamp, message FROM {t} WHERE positionCaseInsensitive(message, 'zebracorn') > 0 ORDER BY timestamp DESC LIMIT 100"),
            new("(d) one trace, from parts", async http => PeerAnswer.FromEvents(await GetEvents(http, $"api/traces/{traceId}"), "timestamp", "span_id"),
                $"SELECT timestamp, span_id FROM {t} WHERE trace_id = '{traceId}'"),
            new("(e) exact distinct IPs per hour", Language("kind:traffic | stats count_distinct(ip_hash) as ips by (bin(1h))"),
                $"SELECT intDiv(timestamp, {Hour}) * {Hour} AS h, uniqExact(ip) FROM {t} WHERE kind = 'traffic' GROUP BY h",
                SluiceSql: $"SELECT timestamp - timestamp % {Hour} AS h, count(DISTINCT ip_hash) FROM traffic GROUP BY h"),
            new("(f) 5-minute buckets × service, 24 h", Language($"{day} | stats count() by (bin(5m), service)"),
                $"SELECT intDiv(timestamp, 300000) * 300000 AS b, service, count() FROM {t} WHERE timestamp >= {from} AND timestamp < {to} GROUP BY b, service",
                SluiceSql: $"SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events WHERE timestamp >= {from} AND timestamp < {to} GROUP BY b, service"),
        ];
    }

    /// <summary>A query-language question, as <c>POST /api/logs/analytics/custom</c> runs it.</summary>
    private static Func<HttpClient, Task<PeerAnswer>> Language(string query) => http => Custom(http, new { query });

    public static Task<PeerAnswer> Sql(HttpClient http, string sql) => Custom(http, new { sql });

    private static async Task<PeerAnswer> Custom(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("api/logs/analytics/custom", body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Sluice answered {(int)response.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        return PeerAnswer.FromSluiceTable(document.RootElement);
    }

    private static async Task<JsonElement> GetEvents(HttpClient http, string path)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(path));
        return document.RootElement.GetProperty("events").Clone();
    }

    private static string Ms(long ms) => ms.ToString(CultureInfo.InvariantCulture);
}
