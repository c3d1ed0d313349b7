using System.Text.Json;

namespace Sluice.Server.Tests.Support;

/// <summary>Posting NDJSON, asking the analytics API and reading every event back through the search API.</summary>
public static class Api
{
    public static async Task PostAsync(TestServer server, IEnumerable<string> lines)
    {
        foreach (var batch in lines.Chunk(2000))
        {
            var (status, body, _) = await server.PostAsync("/api/ingest", string.Join('\n', batch), "application/x-ndjson");
            Assert.True(status == 200, $"ingest answered {status}: {body}");
        }
    }

    public static async Task FlushAsync(TestServer server)
    {
        var (status, body, _) = await server.PostAsync("/api/admin/flush", "");
        Assert.True(status == 200, $"flush answered {status}: {body}");
    }

    /// <summary>The answer to a query (<c>new { query }</c>) or custom SQL (<c>new { sql }</c>), which must be 200.</summary>
    public static async Task<JsonElement> AnalyticsAsync(TestServer server, object request)
    {
        var json = JsonSerializer.Serialize(request);
        var (status, body, _) = await server.PostAsync("/api/logs/analytics/custom", json);
        Assert.True(status == 200, $"{json} answered {status}: {body}");
        return body;
    }

    /// <summary>Waits until the worker has compacted every closed hour (part names change when it does).</summary>
    public static async Task WaitCompactedAsync(TestServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var partitions = (await server.GetJsonAsync("/api/storage/stats")).GetProperty("partitions");
            if (partitions.GetProperty("log").GetProperty("parts_awaiting_compaction").GetInt32() == 0
                && partitions.GetProperty("traffic").GetProperty("parts_awaiting_compaction").GetInt32() == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "closed hours were not compacted");
            await Task.Delay(50);
        }
    }

    /// <summary>Every event the search returns for the query, paging with cursors, in order.</summary>
    public static async Task<List<JsonElement>> SearchAllAsync(TestServer server, string query, int limit = 1000)
    {
        var events = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await server.GetJsonAsync($"/api/logs/search?{query}&limit={limit}{(cursor is null ? "" : "&cursor=" + cursor)}");
            events.AddRange(page.GetProperty("events").EnumerateArray());
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return events;
    }

    /// <summary>An event as JSON with its keys sorted: the same event read from memory or from a part compares equal.</summary>
    public static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        _ => element.GetRawText(),
    };

    public static string Id(JsonElement e) => e.GetProperty("id").GetString()!;
}
