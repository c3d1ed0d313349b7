using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Query.Summaries;
using Sluice.Storage;
using Sluice.Storage.Partitions;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench query --data DIR [--runs N] [--threads T]</c>: the query set of docs/benchmarks.md over the sealed
/// parts of a stopped server's data directory — each query through the product's own path (stored summaries, the
/// trace index, search) and as plain SQL on the engine — median of N runs after one warm-up.
/// </summary>
public static class BenchQueryCommand
{
    public static Task<int> RunAsync(CommandLine args)
    {
        var dataDir = args.Require("data");
        var runs = (int)args.GetLong("runs", 3);
        var threads = (int)args.GetLong("threads", 2);
        args.RejectUnknown();

        var options = new SluiceOptions { DataDir = dataDir, Storage = new StorageOptions { QueryThreads = threads, QueryMemoryMb = 2048 } };
        using var store = new EventStore(options, DataDirectory.Open(dataDir), SystemClock.Instance, NullLogger.Instance);
        store.Recover();
        using var snapshot = store.OpenSnapshot();
        var parts = snapshot.Parts.Where(p => p.Tier == PartTier.Partitions).ToList();
        if (parts.Count == 0)
        {
            throw new UsageException($"{dataDir} holds no sealed parts");
        }

        var events = parts.Sum(p => p.Rows);
        var bytes = parts.Sum(p => p.Bytes);
        Console.WriteLine($"{events:N0} events in {parts.Count} parts, {bytes / 1e6:F1} MB: {(double)bytes / events:F1} bytes/event on disk (parts + stats); {threads} engine threads");

        var from = parts.Min(p => p.HourStart);
        var to = from + (24 * PartInfo.HourMs);
        var busyHour = parts.Where(p => p.Kind == EventKind.Traffic).MaxBy(p => p.Rows)!.HourStart;
        var dialect = DuckDbDialect.Instance;
        var all = dialect.Source([.. parts.Select(p => p.Path)]);
        string Source(EventKind? kind, long? hour = null) =>
            dialect.Source([.. parts.Where(p => (kind is null || p.Kind == kind) && (hour is null || p.HourStart == hour)).Select(p => p.Path)]);

        var queries = new EventQueries(store, dialect, 10_000);
        var summaries = new SummaryQueries(store, dialect);
        var traceId = Scalar(snapshot, $"SELECT trace_id FROM {Source(EventKind.Log)} WHERE trace_id IS NOT NULL LIMIT 1 OFFSET 123457");
        string Time(long ms) => ms.ToString(CultureInfo.InvariantCulture);

        var set = new (string Name, Func<string> Run)[]
        {
            ("(a) count by level, 24 h — SQL", () => Rows(snapshot, $"SELECT level, count(*) FROM {all} WHERE timestamp >= {Time(from)} AND timestamp < {Time(to)} GROUP BY level")),
            ("(a) count by level, 24 h — log summary (stored)", () => summaries.Summarize(EventKind.Log, from, to, false).Total + " events"),
            ("(b) top-10 countries, decision = block, 1 h — SQL", () => Rows(snapshot, $"SELECT country, count(*) AS n FROM {Source(EventKind.Traffic, busyHour)} WHERE decision = 'block' GROUP BY country ORDER BY n DESC LIMIT 10")),
            ("(c) substring 'timeout', any case, all messages — SQL count", () => Rows(snapshot, $"SELECT count(*) FROM {all} WHERE regexp_matches(message, 'timeout', 'i')")),
            ("(c) same with contains(lower(message), 'timeout')", () => Rows(snapshot, $"SELECT count(*) FROM {all} WHERE contains(lower(message), 'timeout')")),
            ("(c) same with message ILIKE '%timeout%'", () => Rows(snapshot, $"SELECT count(*) FROM {all} WHERE message ILIKE '%timeout%'")),
            ("(c) substring 'timeout' — search, newest 100", () => Search(queries, new SearchRequest { Text = "timeout", Limit = 100 })),
            ("(d) one trace — trace lookup (trace index)", () => Trace(queries, traceId)),
            ("(d) one trace — SQL scan", () => Rows(snapshot, $"SELECT * FROM {all} WHERE trace_id = '{traceId.Replace("'", "''", StringComparison.Ordinal)}'")),
            ("(e) distinct client IPs per hour — SQL approx_count_distinct", () => Rows(snapshot, $"SELECT timestamp // 3600000 AS h, approx_count_distinct(ip_hash) FROM {Source(EventKind.Traffic)} GROUP BY h")),
            ("(e) distinct client IPs per hour — 24 hour summaries (stored HLL)", () => HourSummaries(summaries, from)),
            ("(f) 5-minute buckets × service, 24 h — SQL", () => Rows(snapshot, $"SELECT timestamp // 300000 AS b, service, count(*) FROM {all} WHERE timestamp >= {Time(from)} AND timestamp < {Time(to)} GROUP BY ALL")),
            ("summary of one sealed hour (traffic)", () => summaries.Summarize(EventKind.Traffic, busyHour, busyHour + PartInfo.HourMs, false).Total + " events"),
            ("summary of one sealed day (traffic)", () => summaries.Summarize(EventKind.Traffic, from, to, false).Total + " events"),
        };

        foreach (var (name, run) in set)
        {
            Bench.MedianTimer.Print(name, runs, run);
        }

        Bench.LanguageQuerySet.Run(store, from, busyHour, runs);
        return Task.FromResult(0);
    }

    private static string Scalar(StorageSnapshot snapshot, string sql)
    {
        using var connection = snapshot.Engine.Rent();
        using var command = connection.Command(sql);
        return command.ExecuteScalar()?.ToString() ?? throw new UsageException("no trace id found in the parts");
    }

    private static string Rows(StorageSnapshot snapshot, string sql)
    {
        using var connection = snapshot.Engine.Rent();
        using var command = connection.Command(sql);
        using var reader = command.ExecuteReader();
        var rows = 0;
        var first = new StringBuilder();
        while (reader.Read())
        {
            if (rows++ == 0)
            {
                for (var c = 0; c < Math.Min(reader.FieldCount, 3); c++)
                {
                    first.Append(c == 0 ? "" : " ").Append(reader.GetValue(c));
                }
            }
        }

        return $"{rows} rows; first: {first}";
    }

    private static string Search(EventQueries queries, SearchRequest request)
    {
        using var result = queries.Search(request, includeArchive: false);
        return $"{result.Value.Rows.Count} events";
    }

    private static string Trace(EventQueries queries, string traceId)
    {
        using var result = queries.Trace(traceId, includeArchive: false);
        return $"{result.Value.Rows.Count} events";
    }

    private static string HourSummaries(SummaryQueries summaries, long from)
    {
        long total = 0;
        for (var h = 0; h < 24; h++)
        {
            total += summaries.Summarize(EventKind.Traffic, from + (h * PartInfo.HourMs), from + ((h + 1) * PartInfo.HourMs), false).Ips.Estimate();
        }

        return $"sum of 24 hourly estimates {total:N0}";
    }
}
