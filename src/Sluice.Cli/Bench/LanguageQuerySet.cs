using System.Diagnostics;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Analytics;
using Sluice.Query.Analytics.Worker;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Storage;

namespace Sluice.Cli.Bench;

/// <summary>
/// The query set (a)–(f) and three more queries written in the query language, each run the way the endpoints run it
/// (sandboxed engine, views over parts and memory), with where the time goes: parsing, compiling to SQL, and the
/// engine (views, scan, reading the answer). Median of N runs after a warm-up.
/// </summary>
public static class LanguageQuerySet
{
    public static void Run(EventStore store, long from, long busyHour, int runs)
    {
        var queries = new EventQueries(store, DuckDbDialect.Instance, 10_000);
        // Custom SQL runs in a worker process, as in the server (this executable is the worker).
        var roots = store.Roots;
        using var workers = new SqlWorkerPool(SqlWorkerLaunch.Beside(), new SqlWorkerSettings(roots.Partitions, roots.Archive, 2048L * 1024 * 1024, 2, 1),
            TimeSpan.FromMinutes(1), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var analytics = new AnalyticsQueries(store, queries, DuckDbDialect.Instance, new QueryOptions { MaxRows = 100_000, TimeoutMs = 600_000 }, SystemClock.Instance, workers);
        string Range(long start, long hours) => $"_time:[{Timestamps.ToIso(start)}, {Timestamps.ToIso(start + (hours * 3_600_000))})";
        var day = Range(from, 24);
        var set = new (string Name, string Query)[]
        {
            ("(a) count by level, 24 h", $"{day} kind:log | stats count() by level"),
            ("(b) top-10 countries, block, 1 h", $"{Range(busyHour, 1)} decision:block | top 10 country"),
            ("(c) 'timeout' anywhere in the message, count", "timeout | stats count()"),
            ("(e) exact distinct IPs per hour", "kind:traffic | stats count_distinct(ip_hash) as ips by (bin(1h))"),
            ("(f) 5-minute buckets × service, 24 h", $"{day} | stats count() by (bin(5m), service)"),
            ("L1 warnings+ about connections, by service", "level:>=warn -service:checkout connection | stats count() as n, count_distinct(trace_id) as traces by (service) | sort by n desc"),
            ("L2 5xx API risk per domain, top 10", "kind:traffic status:>=500 path:/api/* | stats avg(risk) as risk, quantile(0.99, risk) as p99 by (domain) | sort by risk desc | limit 10"),
            ("L3 events of blocked clients from DE or NL, newest 20", $"{day} decision:block country:(DE OR NL) -reason:rate_limit | limit 20"),
            ("L3' the same, sorted by risk (whole events through the engine)", $"{day} decision:block country:(DE OR NL) -reason:rate_limit | sort by risk desc | limit 20"),
        };

        Console.WriteLine($"{"query language (sandboxed engine, views over parts + memory)",-60} {"parse",8} {"compile",8} {"prepare",8} {"engine",9} {"total",9}");
        foreach (var (name, text) in set)
        {
            string result = "";
            var parse = new double[runs];
            var compile = new double[runs];
            var total = new double[runs];
            var prepare = new double[runs];
            var engine = new double[runs];
            for (var i = -1; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                var parsed = QueryParser.Parse(text);
                var parsedAt = watch.Elapsed.TotalMilliseconds;
                SqlCompiler.Compile(parsed, DuckDbDialect.Instance, analytics.NowMs, 100_000);
                var compiledAt = watch.Elapsed.TotalMilliseconds;
                using (var answer = analytics.Run(parsed, QueryBounds.All, includeArchive: false, CancellationToken.None))
                {
                    result = answer.Events is { } events ? $"{events.Count} events" : $"{answer.Rows.Count} rows";
                    if (i >= 0)
                    {
                        (prepare[i], engine[i]) = (answer.Timings.PrepareMs, answer.Timings.EngineMs);
                    }
                }

                if (i >= 0)
                {
                    (parse[i], compile[i], total[i]) = (parsedAt, compiledAt - parsedAt, watch.Elapsed.TotalMilliseconds);
                }
            }

            Console.WriteLine($"{name,-60} {MedianTimer.Median(parse),6:F3}ms {MedianTimer.Median(compile),6:F3}ms {MedianTimer.Median(prepare),6:F1}ms {MedianTimer.Median(engine),7:F1}ms {MedianTimer.Median(total),7:F1}ms  ({result})");
        }

        MedianTimer.Print("(c) search 'query=timeout', newest 100 (memory + parts)", runs, () =>
        {
            using var page = queries.Search(new SearchRequest { Filter = QueryParser.ParseFilter("timeout"), Limit = 100 }, includeArchive: false);
            return $"{page.Value.Rows.Count} events";
        });
        var formulas = new FormulaEngine(analytics);
        MedianTimer.Print("formula count(decision:block) / count(kind:traffic) * 100, 1 h buckets, 24 h", runs, () =>
            $"{formulas.Execute("count(decision:block) / count(kind:traffic) * 100", from, from + (24 * 3_600_000), 3_600_000, null, false, CancellationToken.None).Series!.Count} points");
        MedianTimer.Print("custom SQL: SELECT service, count(*) FROM logs GROUP BY 1", runs, () =>
        {
            using var answer = analytics.RunSql("SELECT service, count(*) FROM logs GROUP BY 1", false, CancellationToken.None);
            return $"{answer.Rendered?.RowCount ?? answer.Rows.Count} rows";
        });
    }
}
