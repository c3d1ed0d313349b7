using System.Text.Json;
using Sluice.Cli.Client;
using Sluice.Cli.Output;
using Sluice.Query.Language;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice query 'QUERY'</c>: a filter pages through <c>GET /api/logs/search</c> with its cursors up to
/// <c>--limit</c>; a query with pipes (<c>| stats …</c>) goes to <c>POST /api/logs/analytics/custom</c>, which
/// answers a table (or events, for pipes such as <c>| limit</c>). Nothing matching is not an error (exit 0).
/// </summary>
internal static class QueryCommand
{
    private const int PageSize = 1000;

    public static async Task<int> RunAsync(CommandLine args)
    {
        var query = args.Positional(0) ?? "";
        var range = TimeRange.From(args);
        var kind = args.Get("kind");
        if (kind is not (null or "log" or "traffic"))
        {
            throw new UsageException($"--kind must be log or traffic, not '{kind}'");
        }

        var limitGiven = args.Get("limit") is not null;
        var limit = args.GetLong("limit", 100);
        if (limit is < 1 or > 1_000_000)
        {
            throw new UsageException($"--limit must be 1 to 1,000,000, not {limit}");
        }

        var output = ResultWriter.ParseOutput(args.Get("output"), "table", "json", "ndjson", "csv");
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var cancel = Interrupt.OnCtrlC();

        var pipesAt = PipesAt(query);
        if (pipesAt > 0)
        {
            // A table from pipes is cut only when asked to (| limit does it in the query).
            return await CustomAsync(client, query, pipesAt, range, kind, limitGiven ? limit : int.MaxValue, output, cancel.Token);
        }

        var writer = new ResultWriter(output, ResultWriter.EventColumns, events: true);
        writer.Begin();
        string? cursor = null;
        long shown = 0;
        do
        {
            var parameters = new List<string> { "limit=" + Math.Min(PageSize, limit - shown), "order=desc" };
            if (query.Trim().Length > 0)
            {
                parameters.Add("query=" + Uri.EscapeDataString(query));
            }

            if (kind is not null)
            {
                parameters.Add("kind=" + kind);
            }

            if (range.Query() is { Length: > 0 } times)
            {
                parameters.Add(times);
            }

            if (cursor is not null)
            {
                parameters.Add("cursor=" + Uri.EscapeDataString(cursor));
            }

            using var page = await client.GetJsonAsync("api/logs/search?" + string.Join('&', parameters), cancel.Token);
            foreach (var item in page.RootElement.GetProperty("events").EnumerateArray())
            {
                writer.Row(item);
                shown++;
            }

            cursor = page.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null && shown < limit);

        writer.End();
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The 1-based place of the query's first pipe, 0 when it has none. Parsed here only to route; a query that does
    /// not parse goes to the search endpoint, whose answer names the error and its position.
    /// </summary>
    private static int PipesAt(string query)
    {
        try
        {
            var parsed = QueryParser.Parse(query);
            return parsed.Pipes.Count > 0 ? parsed.PipesAt : 0;
        }
        catch (QueryException)
        {
            return 0;
        }
    }

    private static async Task<int> CustomAsync(SluiceClient client, string query, int pipesAt, TimeRange range, string? kind, long limit, string output, CancellationToken cancel)
    {
        // The custom endpoint takes its range and kind only in the query: they are added to the filter, in parentheses.
        var filter = query[..(pipesAt - 1)].Trim();
        var extra = string.Join(' ', new[] { range.AsFilter(), kind is null ? null : "kind:" + kind }.Where(t => t is not null));
        var text = extra.Length == 0 ? query : $"{(filter.Length > 0 ? $"({filter}) " : "")}{extra} {query[(pipesAt - 1)..]}";
        using var answer = await client.SendJsonAsync(HttpMethod.Post, "api/logs/analytics/custom", new { query = text }, cancel);
        var root = answer.RootElement;
        var isEvents = root.TryGetProperty("events", out var events);
        var rows = isEvents ? events : root.GetProperty("rows");
        var columns = isEvents ? ResultWriter.EventColumns
            : root.TryGetProperty("columns", out var named) ? named.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : EventFields.Text(c, "name")).ToArray()
            : [];
        var writer = new ResultWriter(output, columns, isEvents);
        writer.Begin();
        foreach (var row in rows.EnumerateArray().Take((int)Math.Min(limit, int.MaxValue)))
        {
            writer.Row(row);
        }

        writer.End();
        if (root.TryGetProperty("truncated", out var truncated) && truncated.ValueKind == JsonValueKind.True)
        {
            await Console.Error.WriteLineAsync($"sluice query: the answer was cut by the server's {EventFields.Text(root, "truncated_by")} cap");
        }

        return ExitCodes.Ok;
    }
}
