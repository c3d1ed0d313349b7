using System.Text.Json;
using Sluice.Cli.Client;
using Sluice.Cli.Output;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice patterns</c>: the log patterns of a range, most frequent first (<c>GET /api/logs/analytics/patterns</c>, docs/patterns.md).</summary>
internal static class PatternsCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var range = TimeRange.From(args, defaultSince: "24h");
        var minFrequency = args.GetLong("min-frequency", 1);
        var limit = args.GetLong("limit", 100);
        if (limit is < 1 or > 1000)
        {
            throw new UsageException($"--limit must be 1 to 1000, not {limit}");
        }

        var output = ResultWriter.ParseOutput(args.Get("output"), "table", "json");
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var interrupt = Interrupt.OnCtrlC();
        using var answer = await client.GetJsonAsync($"api/logs/analytics/patterns?min_frequency={minFrequency}&limit={limit}&{range.Query()}", interrupt.Token);
        var root = answer.RootElement;
        if (output == "json")
        {
            Console.Out.Write(root.GetRawText() + "\n");
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Simple).Expand()
            .AddColumn(new TableColumn("frequency").RightAligned().NoWrap()).AddColumn(new TableColumn("previous").RightAligned().NoWrap())
            .AddColumn(new TableColumn("trend").NoWrap()).AddColumn(new TableColumn("pattern").NoWrap());
        table.Title = new TableTitle($"{EventFields.Text(root, "start_time")} … {EventFields.Text(root, "end_time")}: {EventFields.Text(root, "total")} patterns");
        foreach (var pattern in root.GetProperty("patterns").EnumerateArray())
        {
            table.AddRow(
                new Text(EventFields.Text(pattern, "frequency")),
                new Text(EventFields.Text(pattern, "previous_frequency")),
                new Text(EventFields.Text(pattern, "trend")),
                new Text(EventFields.Text(pattern, "pattern")) { Overflow = Overflow.Ellipsis });
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}
