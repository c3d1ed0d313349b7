using System.Text.Json;
using Sluice.Cli.Client;
using Sluice.Cli.Output;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice stats</c>: counts of the range by level, service and kind (<c>GET /api/logs/analytics/summary</c>, for
/// logs and traffic), the ingest rate (<c>GET /api/v1/dashboard/stats</c>) and storage (<c>GET /api/storage/stats</c>).
/// </summary>
internal static class StatsCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var range = TimeRange.From(args, defaultSince: "24h");
        var output = ResultWriter.ParseOutput(args.Get("output"), "table", "json");
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var interrupt = Interrupt.OnCtrlC();
        var times = range.Query();
        using var logs = await client.GetJsonAsync("api/logs/analytics/summary?" + times, interrupt.Token);
        using var traffic = await client.GetJsonAsync("api/logs/analytics/summary?kind=traffic&" + times, interrupt.Token);
        using var dashboard = await client.GetJsonAsync("api/v1/dashboard/stats?" + times, interrupt.Token);
        using var storage = await client.GetJsonAsync("api/storage/stats", interrupt.Token);
        var ingest = dashboard.RootElement.GetProperty("ingest");
        if (output == "json")
        {
            using var stdout = Console.OpenStandardOutput();
            using var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WritePropertyName("logs");
            logs.RootElement.WriteTo(json);
            json.WritePropertyName("traffic");
            traffic.RootElement.WriteTo(json);
            json.WritePropertyName("ingest");
            ingest.WriteTo(json);
            json.WritePropertyName("health");
            dashboard.RootElement.GetProperty("health").WriteTo(json);
            json.WritePropertyName("storage");
            storage.RootElement.WriteTo(json);
            json.WriteEndObject();
            json.Flush();
            stdout.WriteByte((byte)'\n');
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumn("group").AddColumn("value").AddColumn(new TableColumn("count").RightAligned());
        table.Title = new TableTitle($"{EventFields.Text(logs.RootElement, "start_time")} … {EventFields.Text(logs.RootElement, "end_time")}");
        table.AddRow("kind", "log", Count(logs.RootElement, "total"));
        table.AddRow("kind", "traffic", Count(traffic.RootElement, "total"));
        AddMap(table, "level", logs.RootElement, "by_level", colour: true);
        AddMap(table, "service", logs.RootElement, "by_service", colour: false);
        AddMap(table, "decision", traffic.RootElement, "by_decision", colour: false);
        table.AddRow("ingest", "events/s now", Markup.Escape(EventFields.Text(ingest, "events_per_second")));
        table.AddRow("ingest", "accepted since start", Markup.Escape(EventFields.Text(ingest, "accepted_total")));
        var root = storage.RootElement;
        table.AddRow("storage", "hot events", Markup.Escape(EventFields.Text(root.GetProperty("hot"), "events")));
        foreach (var kind in new[] { "log", "traffic" })
        {
            if (root.TryGetProperty("partitions", out var parts) && parts.TryGetProperty(kind, out var part))
            {
                table.AddRow("storage", $"{kind} sealed events", Markup.Escape(EventFields.Text(part, "events")));
                table.AddRow("storage", $"{kind} sealed bytes", Markup.Escape(EventFields.Text(part, "bytes")));
            }
        }

        table.AddRow("storage", "wal bytes", Markup.Escape(root.TryGetProperty("wal", out var wal) ? EventFields.Text(wal, "bytes") : ""));
        table.AddRow("health", "status", Markup.Escape(EventFields.Text(dashboard.RootElement.GetProperty("health"), "status")));
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    private static string Count(JsonElement root, string name) => Markup.Escape(EventFields.Text(root, name));

    private static void AddMap(Table table, string group, JsonElement root, string name, bool colour)
    {
        if (!root.TryGetProperty(name, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var entry in map.EnumerateObject().OrderByDescending(e => e.Value.TryGetInt64(out var n) ? n : 0).Take(20))
        {
            var value = Markup.Escape(entry.Name);
            table.AddRow(group, colour ? $"[{Level.Style(entry.Name)}]{value}[/]" : value, Markup.Escape(EventFields.Text(entry.Value)));
        }
    }
}
