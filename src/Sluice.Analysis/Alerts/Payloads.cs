using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sluice.Analysis.Alerts;

/// <summary>The body each channel kind is sent, and where: built when sent, from the delivery kept in the outbox.</summary>
internal static class Payloads
{
    public static (Uri Target, JsonNode Body) For(Delivery delivery, TimeSpan alertmanagerHold)
    {
        var n = delivery.Notification;
        return delivery.Type switch
        {
            ChannelKind.Slack => (new Uri(delivery.Url), Slack(delivery)),
            ChannelKind.Alertmanager => (new Uri(delivery.Url.TrimEnd('/') + "/api/v2/alerts"), Alertmanager(n, alertmanagerHold)),
            _ => (new Uri(delivery.Url), Webhook(delivery)),
        };
    }

    /// <summary>The notification itself, snake_case, with the delivery's id for receivers that drop repeats.</summary>
    public static JsonNode Webhook(Delivery delivery)
    {
        var body = JsonSerializer.SerializeToNode(delivery.Notification, AnalysisJson.Options)!.AsObject();
        body["delivery_id"] = delivery.Id;
        body["starts_at"] = Iso(delivery.Notification.StartsAtMs);
        return body;
    }

    public static JsonNode Slack(Delivery delivery)
    {
        var n = delivery.Notification;
        var icon = n.State == "resolved" ? ":white_check_mark:" : n.Severity == "critical" ? ":red_circle:" : ":warning:";
        var title = $"{icon} [{n.State.ToUpperInvariant()}] {n.RuleName}{(n.GroupKey.Length > 0 ? $" ({n.GroupKey})" : "")}";
        var fields = new JsonArray();
        foreach (var (name, value) in n.Figures.Take(10))
        {
            fields.Add(new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{name}*\n{value.ToString("0.###", CultureInfo.InvariantCulture)}" });
        }

        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "section", ["text"] = Markdown($"*{title}*\n{n.Summary}") },
        };
        if (fields.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = fields });
        }

        if (n.Query is { } query)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = Markdown($"Query: `{query}`\n<{n.Link}|Open in Sluice>") });
        }

        if (n.Samples.Count > 0)
        {
            var lines = string.Join("\n", n.Samples.Select(s => $"`{s.PatternId ?? "-"}` {s.Service} {s.Message}"));
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray { Markdown(lines) } });
        }

        return new JsonObject
        {
            ["text"] = $"{title}: {n.Summary}",
            ["blocks"] = blocks,
            ["delivery_id"] = delivery.Id,
        };
    }

    /// <summary>
    /// One alert for Alertmanager's v2 API. A firing alert ends <paramref name="hold"/> after this post unless
    /// posted again (the book re-posts while it fires); a resolution ends it now.
    /// </summary>
    public static JsonNode Alertmanager(Notification n, TimeSpan hold)
    {
        var labels = new JsonObject
        {
            ["alertname"] = n.RuleName,
            ["rule_id"] = n.RuleId,
            ["severity"] = n.Severity,
            ["kind"] = JsonNamingSnake(n.Kind.ToString()),
            ["source"] = "sluice",
        };
        if (n.GroupKey.Length > 0)
        {
            labels["group_key"] = n.GroupKey;
        }

        foreach (var (name, value) in n.Labels)
        {
            labels[name] = value;
        }

        var annotations = new JsonObject
        {
            ["summary"] = n.Summary,
            ["figures"] = JsonSerializer.Serialize(n.Figures),
        };
        if (n.Query is { } query)
        {
            annotations["query"] = query;
        }

        if (n.Samples.Count > 0)
        {
            annotations["samples"] = JsonSerializer.Serialize(n.Samples, AnalysisJson.Options);
        }

        var ends = n.State == "resolved" ? n.EndsAtMs ?? n.AtMs : n.AtMs + (long)hold.TotalMilliseconds;
        return new JsonArray
        {
            new JsonObject
            {
                ["labels"] = labels,
                ["annotations"] = annotations,
                ["startsAt"] = Iso(n.StartsAtMs),
                ["endsAt"] = Iso(ends),
                ["generatorURL"] = n.Link,
            },
        };
    }

    private static JsonObject Markdown(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string JsonNamingSnake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
