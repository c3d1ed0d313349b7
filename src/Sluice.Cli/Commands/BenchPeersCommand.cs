using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Cli.Bench;
using Sluice.Cli.Bench.Peers;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench peers --file FILE --clickhouse URL [--clickhouse-pid PID] --work DIR [--rounds R] [--runs N]
/// [--threads T] [--port P] [--markdown FILE] [--warmup FILE] [--json FILE]</c>: Sluice and ClickHouse side by side in one run. Each round loads the
/// same NDJSON file into a fresh Sluice and a fresh ClickHouse table (order alternating round by round), until
/// acknowledged and until each has settled (sealed and compacted; merged to one part). Then the question set runs on
/// both, interleaved, and every answer is compared cell by cell. Prints — and writes as Markdown — the ratio table.
/// </summary>
public static class BenchPeersCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var file = args.Require("file");
        var clickHouseUrl = new Uri(args.Require("clickhouse"));
        var clickHousePid = (int)args.GetLong("clickhouse-pid", 0);
        var work = args.Require("work");
        var rounds = (int)Math.Max(1, args.GetLong("rounds", 3));
        var runs = (int)Math.Max(1, args.GetLong("runs", 5));
        var threads = (int)Math.Max(1, args.GetLong("threads", 1));
        var port = (int)args.GetLong("port", 5495);
        var markdown = args.Get("markdown");
        var warmupFile = args.Get("warmup");
        var json = args.Get("json");
        args.RejectUnknown();

        var sluiceBatches = NdjsonBatches.Load(file, 1000);
        var (dayStart, traceId) = Inspect(file);
        sluiceBatches.Add(RareEvents(dayStart));
        var warmup = warmupFile is null ? null : NdjsonBatches.Load(warmupFile, 1000);
        var warmupDay = warmupFile is null ? 0 : Inspect(warmupFile).DayStart;
        var clickHouseWarmup = warmup is null ? null : new JoinedBatches(warmup, 100);
        var clickHouseBatches = new JoinedBatches(sluiceBatches, 100);
        var settings = new Dictionary<string, string> { ["SLUICE__Storage__QueryThreads"] = threads.ToString(CultureInfo.InvariantCulture) };
        using var clickHouse = new ClickHousePeer(clickHouseUrl, clickHousePid > 0 ? new ProcessMeter(clickHousePid) : null, threads);

        var sluiceLoads = new List<LoadResult>();
        var clickHouseLoads = new List<LoadResult>();
        SluicePeer? sluice = null;
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                // ABBA: whichever goes second meets a warmer page cache and a busier disk, so the order alternates.
                foreach (var side in round % 2 == 0 ? new[] { "clickhouse", "sluice" } : ["sluice", "clickhouse"])
                {
                    LoadResult result;
                    if (side == "clickhouse")
                    {
                        if (clickHouseWarmup is not null)
                        {
                            await clickHouse.LoadAsync(clickHouseWarmup, 4); // the same warm-up; the measured load starts a new table
                        }

                        result = await clickHouse.LoadAsync(clickHouseBatches, 4);
                        clickHouseLoads.Add(result);
                    }
                    else
                    {
                        sluice?.Dispose();
                        var dir = Path.Combine(work, "sluice");
                        if (Directory.Exists(dir))
                        {
                            Directory.Delete(dir, recursive: true);
                        }

                        sluice = await SluicePeer.StartAsync(dir, port, settings);
                        if (warmup is not null)
                        {
                            // Sustained ingest is a warm server's: JIT tiering and PGO run during the first minute
                            // of a fresh process (ClickHouse's code is compiled ahead of time). Another day's events
                            // warm it; the figures below count only the measured file.
                            await sluice.LoadAsync(warmup, 8);
                            await sluice.DropDayAsync(warmupDay);
                        }

                        result = await sluice.LoadAsync(sluiceBatches, 8);
                        sluiceLoads.Add(result);
                    }

                    Console.WriteLine($"round {round + 1} {side,-10}: {result.Events:N0} events, acked {result.AckRate / 1000:F1} k/s, settled {result.SettledRate / 1000:F1} k/s, " +
                        $"CPU {result.CpuSecondsPerMillion:F1} s/M, peak RSS {result.PeakRssBytes / 1e6:F0} MB, {result.BytesPerEvent:F1} B/event");
                }
            }

            var questions = PeerQuestions.For(dayStart, traceId);
            var timings = new List<(PeerQuestion Question, double Sluice, double ClickHouse, double? SluiceSql, string? Disagreement)>();
            foreach (var question in questions)
            {
                timings.Add(await AskAsync(sluice!.Http, clickHouse, question, runs));
                var t = timings[^1];
                Console.WriteLine($"{question.Name,-40} Sluice {t.Sluice,8:F1} ms  ClickHouse {t.ClickHouse,8:F1} ms  ratio {t.Sluice / t.ClickHouse,5:F2}" +
                    (t.SluiceSql is { } sql ? $"  custom SQL {sql,8:F1} ms" : "") + (t.Disagreement is { } d ? $"  ANSWERS DIFFER: {d}" : "  answers agree"));
            }

            var table = Report(sluiceLoads, clickHouseLoads, timings, rounds, runs, threads);
            Console.WriteLine();
            Console.WriteLine(table);
            if (markdown is not null)
            {
                await File.WriteAllTextAsync(markdown, table);
            }

            if (json is not null)
            {
                await File.WriteAllTextAsync(json, Figures(sluiceLoads, clickHouseLoads, timings));
            }

            return timings.Any(t => t.Disagreement is not null) ? 1 : 0;
        }
        finally
        {
            sluice?.Dispose();
        }
    }

    /// <summary>Asks one question of both, interleaved (the order alternates run by run), after a warm-up of each.</summary>
    internal static async Task<(PeerQuestion, double, double, double?, string?)> AskAsync(HttpClient sluice, ClickHousePeer clickHouse, PeerQuestion question, int runs)
    {
        var calls = new List<Func<Task<PeerAnswer>>>
        {
            () => question.Sluice(sluice),
            async () => PeerAnswer.FromCells(await clickHouse.QueryAsync(question.ClickHouseSql)),
        };
        if (question.SluiceSql is { } sql)
        {
            calls.Add(() => PeerQuestions.Sql(sluice, sql));
        }

        var answers = new PeerAnswer[calls.Count];
        var times = calls.Select(_ => new double[runs]).ToArray();
        for (var run = -1; run < runs; run++)
        {
            for (var k = 0; k < calls.Count; k++)
            {
                var which = (k + Math.Max(run, 0)) % calls.Count;
                var watch = Stopwatch.StartNew();
                answers[which] = await calls[which]();
                if (run >= 0)
                {
                    times[which][run] = watch.Elapsed.TotalMilliseconds;
                }
            }
        }

        var disagreement = answers[0].Differs(answers[1], question.TopWithTies);
        if (disagreement is null && answers.Length > 2 && answers[2].Differs(answers[1], question.TopWithTies) is { } sqlDiffers)
        {
            disagreement = "custom SQL: " + sqlDiffers;
        }

        return (question, MedianTimer.Median(times[0]), MedianTimer.Median(times[1]), answers.Length > 2 ? MedianTimer.Median(times[2]) : null, disagreement);
    }

    /// <summary>The medians of both sides as JSON, for scripts that put runs of several sizes side by side (bench/scale.sh).</summary>
    private static string Figures(List<LoadResult> sluice, List<LoadResult> clickHouse,
        List<(PeerQuestion Question, double Sluice, double ClickHouse, double? SluiceSql, string? Disagreement)> timings)
    {
        static object Side(List<LoadResult> loads) => new
        {
            events = loads[0].Events,
            ack_events_per_s = MedianTimer.Median([.. loads.Select(r => r.AckRate)]),
            settled_events_per_s = MedianTimer.Median([.. loads.Select(r => r.SettledRate)]),
            cpu_s_per_million = MedianTimer.Median([.. loads.Select(r => r.CpuSecondsPerMillion)]),
            peak_rss_mb = MedianTimer.Median([.. loads.Select(r => r.PeakRssBytes / 1e6)]),
            bytes_per_event = MedianTimer.Median([.. loads.Select(r => r.BytesPerEvent)]),
        };
        return JsonSerializer.Serialize(new
        {
            sluice = Side(sluice),
            clickhouse = Side(clickHouse),
            queries = timings.Select(t => new { name = t.Question.Name, sluice_ms = t.Sluice, clickhouse_ms = t.ClickHouse, sluice_sql_ms = t.SluiceSql, agree = t.Disagreement is null }),
        }, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Five events whose message holds a word no standard event has, one in each of five hours: what a rare-term
    /// search (question (g)) finds. Both sides load them with the file.
    /// </summary>
    internal static (byte[] Body, int Events) RareEvents(long dayStart)
    {
        var lines = Enumerable.Range(0, 5).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$"""{"timestamp":{{dayStart + ((3 + (4 * i)) * 3_600_000L) + 1_017_000}},"level":"warn","service":"gateway","message":"Zebracorn sighting reported near gate {{i}}"}"""));
        return (Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), 5);
    }

    /// <summary>The day the file starts in (UTC midnight), and a trace a third of the way in.</summary>
    internal static (long DayStart, string TraceId) Inspect(string file)
    {
        var lines = File.ReadLines(file).Take(1_000_000).ToList();
        using var first = JsonDocument.Parse(lines[0]);
        using var middle = JsonDocument.Parse(lines[lines.Count / 3]);
        var ts = first.RootElement.GetProperty("timestamp").GetInt64();
        return (ts - (ts % 86_400_000), middle.RootElement.GetProperty("trace_id").GetString()!);
    }

    private static string Report(List<LoadResult> sluice, List<LoadResult> clickHouse,
        List<(PeerQuestion Question, double Sluice, double ClickHouse, double? SluiceSql, string? Disagreement)> timings, int rounds, int runs, int threads)
    {
        static double Median(IEnumerable<double> values) => MedianTimer.Median([.. values]);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| figure | Sluice | ClickHouse | Sluice / ClickHouse | goal | met |");
        text.AppendLine("|---|---|---|---|---|---|");
        void Row(string name, double s, double c, string unit, string format, double goal, bool higherIsBetter)
        {
            var ratio = s / c;
            var met = higherIsBetter ? ratio >= goal : ratio <= goal;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {s.ToString(format, CultureInfo.InvariantCulture)}{unit} | {c.ToString(format, CultureInfo.InvariantCulture)}{unit} | {ratio:F2} | {(higherIsBetter ? "≥" : "≤")} {goal:F1} | {(met ? "yes" : "**no**")} |");
        }

        Row($"ingest until acked, median of {rounds}", Median(sluice.Select(r => r.AckRate)) / 1000, Median(clickHouse.Select(r => r.AckRate)) / 1000, " k ev/s", "F1", 1.5, true);
        Row("ingest until sealed and compacted (ClickHouse: merged to one part)", Median(sluice.Select(r => r.SettledRate)) / 1000, Median(clickHouse.Select(r => r.SettledRate)) / 1000, " k ev/s", "F1", 1.5, true);
        Row("server CPU per 1 M events, load until settled", Median(sluice.Select(r => r.CpuSecondsPerMillion)), Median(clickHouse.Select(r => r.CpuSecondsPerMillion)), " s", "F1", 1.0, false);
        Row("peak RSS during the load", Median(sluice.Select(r => r.PeakRssBytes / 1e6)), Median(clickHouse.Select(r => r.PeakRssBytes / 1e6)), " MB", "F0", 1.5, false);
        Row("bytes/event on disk (ClickHouse: zstd)", Median(sluice.Select(r => r.BytesPerEvent)), Median(clickHouse.Select(r => r.BytesPerEvent)), "", "F1", 1.0, false);
        foreach (var (question, s, c, _, disagreement) in timings)
        {
            Row($"{question.Name}{(disagreement is null ? "" : " — **answers differ**")}", s, c, " ms", "F1", 1.0, false);
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Queries: median of {runs} after a warm-up, over HTTP, {threads} engine thread(s) on each side, Sluice and ClickHouse interleaved; answers compared cell by cell.");
        text.AppendLine();
        text.AppendLine("| the same question as Sluice's custom SQL | custom SQL | query language | SQL / language | goal | met |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (question, s, _, sql, _) in timings)
        {
            if (sql is { } ms)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {question.Name} | {ms:F1} ms | {s:F1} ms | {ms / s:F2} | ≤ 1.2 | {(ms / s <= 1.2 ? "yes" : "**no**")} |");
            }
        }

        return text.ToString();
    }
}
