using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sluice.Cli.Bench;
using Sluice.Cli.Bench.Peers;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench clickhouse-reads --file FILE --clickhouse URL --work DIR [--runs N] [--port P] [--markdown FILE]</c>:
/// what answering through Sluice costs over asking ClickHouse directly. A fresh Sluice with ClickHouse as its warm
/// store (every question read there: local window 0) takes the file and ships it; then each question of the set
/// (a)–(g) is asked through Sluice's API and as the equivalent SQL sent straight to ClickHouse over Sluice's own
/// tables, interleaved, and the answers are compared cell by cell. Exits 1 if one differs.
/// </summary>
public static class BenchClickHouseReadsCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var file = args.Require("file");
        var clickHouseUrl = new Uri(args.Require("clickhouse"));
        var work = args.Require("work");
        var runs = (int)Math.Max(1, args.GetLong("runs", 5));
        var port = (int)args.GetLong("port", 5496);
        var markdown = args.Get("markdown");
        args.RejectUnknown();

        var batches = NdjsonBatches.Load(file, 1000);
        var (dayStart, traceId) = BenchPeersCommand.Inspect(file);
        batches.Add(BenchPeersCommand.RareEvents(dayStart));
        var settings = new Dictionary<string, string>
        {
            ["SLUICE__ClickHouse__Url"] = clickHouseUrl.ToString(),
            ["SLUICE__ClickHouse__LocalWindowMinutes"] = "0",
            ["SLUICE__ClickHouse__ReadUser"] = "sluice_reader",
            ["SLUICE__Storage__QueryThreads"] = "1",
        };
        using var clickHouse = new ClickHousePeer(clickHouseUrl, null, 1);
        using var sluice = await SluicePeer.StartAsync(Path.Combine(work, "sluice-reads"), port, settings);
        var load = await sluice.LoadAsync(batches, 8);
        var shipping = Stopwatch.StartNew();
        while (await SinkLagAsync(sluice.Http) is not 0)
        {
            await Task.Delay(100);
        }

        Console.WriteLine($"loaded {load.Events:N0} events (acked {load.AckRate / 1000:F1} k/s); ClickHouse had them all {shipping.Elapsed.TotalSeconds:F1} s after Sluice settled");

        var timings = new List<(PeerQuestion Question, double Sluice, double ClickHouse, double? SluiceSql, string? Disagreement)>();
        foreach (var question in PeerQuestions.For(dayStart, traceId))
        {
            var direct = question with { ClickHouseSql = OnSluiceTables(question.ClickHouseSql), SluiceSql = null };
            timings.Add(await BenchPeersCommand.AskAsync(sluice.Http, clickHouse, direct, runs));
            var t = timings[^1];
            Console.WriteLine($"{question.Name,-40} through Sluice {t.Sluice,8:F1} ms  direct {t.ClickHouse,8:F1} ms  ratio {t.Sluice / t.ClickHouse,5:F2}" +
                (t.Disagreement is { } d ? $"  ANSWERS DIFFER: {d}" : "  answers agree"));
        }

        var table = new StringBuilder();
        table.AppendLine("| question | through Sluice (on ClickHouse) | the same SQL sent to ClickHouse | overhead (ratio) | answers |");
        table.AppendLine("|---|---|---|---|---|");
        foreach (var (question, s, c, _, disagreement) in timings)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {question.Name} | {s:F1} ms | {c:F1} ms | {s / c:F2} | {(disagreement is null ? "equal" : "**differ**")} |");
        }

        Console.WriteLine();
        Console.WriteLine(table);
        if (markdown is not null)
        {
            await File.WriteAllTextAsync(markdown, table.ToString());
        }

        return timings.Any(t => t.Disagreement is not null) ? 1 : 0;
    }

    /// <summary>The peers' SQL over Sluice's own ClickHouse tables: its <c>events</c> table, logs' kind, and IPs only as hashes.</summary>
    private static string OnSluiceTables(string sql) => sql
        .Replace(ClickHousePeer.Table, "sluice.events", StringComparison.Ordinal)
        .Replace("kind = ''", "kind = 'log'", StringComparison.Ordinal)
        .Replace("uniqExact(ip)", "uniqExact(ip_hash)", StringComparison.Ordinal);

    private static async Task<long?> SinkLagAsync(HttpClient http)
    {
        foreach (var line in (await http.GetStringAsync("metrics")).Split('\n'))
        {
            if (line.StartsWith("sluice_sink_lag_events{sink=\"clickhouse\"}", StringComparison.Ordinal))
            {
                return long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
