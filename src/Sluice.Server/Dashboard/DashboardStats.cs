using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission;
using Sluice.Admission.Alerts;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Summaries;
using Sluice.Server.Endpoints;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Server.Dashboard;

/// <summary>
/// <c>GET /api/v1/dashboard/stats</c>: everything the overview draws, in one answer — volume over time by level and
/// by decision, the totals and top values of both kinds, the ingest rate now and the health of each component.
/// Counts come from stored summaries (<see cref="IQueryEngine.Summarize"/>, <see cref="IQueryEngine.Series"/>), so the
/// answer costs about the same with ten million events as with ten thousand.
/// </summary>
public static class DashboardStats
{
    private const int TopValues = 10;

    public static async Task WriteAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var queries = services.GetRequiredService<IQueryEngine>();
        if (!await QueryEndpoints.EnsureReady(context) || await AnalyticsEndpoints.ReadRange(context, queries.NowMs) is not { } range)
        {
            return;
        }

        // The range starts at its first bucket's start, so the totals are the bars' sums, and past six hours every
        // sealed hour is whole: read from its stored summary, never counted again.
        var bucket = DashboardBuckets.For(range.End - range.Start);
        var start = range.Start - (((range.Start % bucket) + bucket) % bucket);
        var cancel = context.RequestAborted;
        // Four independent reads, side by side: each reads stored summaries and counts only the edges itself.
        var logsTask = Task.Run(() => queries.Summarize(EventKind.Log, start, range.End, includeArchive: false));
        var trafficTask = Task.Run(() => queries.Summarize(EventKind.Traffic, start, range.End, includeArchive: false));
        var levelsTask = Task.Run(() => queries.Series(EventKind.Log, "level", start, range.End, bucket));
        var decisionsTask = Task.Run(() => queries.Series(EventKind.Traffic, "decision", start, range.End, bucket));
        // Not cancelled with the request: each read is bounded by the range's summaries, and is left to finish.
        await Task.WhenAll(logsTask, trafficTask, levelsTask, decisionsTask);
        if (cancel.IsCancellationRequested)
        {
            return;
        }

        var (logs, traffic, levels, decisions) = (logsTask.Result, trafficTask.Result, levelsTask.Result, decisionsTask.Result);

        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("start_time", start);
            json.WriteNumber("end_time", range.End);
            json.WriteNumber("bucket_ms", bucket);
            json.WriteStartObject("series");
            json.WriteStartArray("times");
            foreach (var time in levels.Times)
            {
                json.WriteNumberValue(time);
            }

            json.WriteEndArray();
            WriteSeries(json, "levels", levels);
            WriteSeries(json, "decisions", decisions);
            json.WriteEndObject();

            json.WriteStartObject("logs");
            json.WriteNumber("total", logs.Total);
            SummaryEndpoints.WriteMap(json, "by_level", logs, "level");
            WriteTop(json, "top_services", logs, "service");
            var errors = logs.CountOf("level", "error") + logs.CountOf("level", "fatal");
            json.WriteNumber("error_share", logs.Total == 0 ? 0 : (double)errors / logs.Total);
            json.WriteEndObject();

            json.WriteStartObject("traffic");
            json.WriteNumber("total", traffic.Total);
            SummaryEndpoints.WriteMap(json, "decisions", traffic, "decision");
            WriteTop(json, "top_domains", traffic, "domain");
            WriteTop(json, "top_countries", traffic, "country");
            WriteTop(json, "top_reasons", traffic, "reason");
            json.WriteNumber("unique_ips", traffic.Ips.Estimate());
            json.WriteEndObject();

            var rate = services.GetRequiredService<IngestRate>();
            json.WriteStartObject("ingest");
            json.WriteNumber("events_per_second", Math.Round(rate.EventsPerSecond, 1));
            json.WriteNumber("accepted_total", rate.AcceptedTotal);
            json.WriteEndObject();
            WriteHealth(json, services);
            json.WriteEndObject();
        });
    }

    private static void WriteSeries(Utf8JsonWriter json, string name, SummarySeries series)
    {
        json.WriteStartObject(name);
        foreach (var (value, counts) in series.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            json.WriteStartArray(value);
            foreach (var count in counts)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteTop(Utf8JsonWriter json, string name, PartSummary summary, string field)
    {
        json.WriteStartArray(name);
        foreach (var (value, count) in summary.Top(field, TopValues))
        {
            json.WriteStartObject();
            json.WriteString("value", value);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>Each component's state, and in words what needs a person's attention.</summary>
    private static void WriteHealth(Utf8JsonWriter json, IServiceProvider services)
    {
        var store = services.GetRequiredService<EventStore>();
        var options = services.GetRequiredService<SluiceOptions>();
        var admission = services.GetRequiredService<BatchAdmission>();
        var alerts = services.GetRequiredService<AlertPublisher>();
        var problems = new List<string>();

        long unsealed = 0, hotRows, hotBytes, diskBytes;
        int parts;
        using (var snapshot = store.OpenSnapshot())
        {
            foreach (var chunk in snapshot.Chunks)
            {
                if (chunk.LastSeq > snapshot.Persisted)
                {
                    unsealed += chunk.Count;
                }
            }

            hotRows = snapshot.MemoryRows;
            hotBytes = snapshot.MemoryBytes;
            parts = snapshot.Parts.Count;
            diskBytes = snapshot.Parts.Where(p => p.Tier == PartTier.Partitions).Sum(p => p.Bytes);
        }

        var cap = options.Retention.MaxDiskBytes;
        long rejected = 0, sampledOut = 0;
        foreach (var stat in admission.Quotas.Stats())
        {
            rejected += stat.Rejected;
            sampledOut += stat.SampledOut;
        }

        if (!store.IsReady)
        {
            problems.Add(store.IsRecovering ? "the log is being recovered; ingest answers 503 until it is done" : $"the log takes no writes: {store.Fault}");
        }

        if (cap > 0 && diskBytes >= cap * 9 / 10)
        {
            problems.Add($"partitions use {diskBytes * 100 / cap} % of Retention:MaxDiskBytes; the size cleanup will remove the oldest hours");
        }

        if (store.Stats.Failures > 0)
        {
            problems.Add($"{store.Stats.Failures} storage jobs failed and were retried; see the server log");
        }

        var breaker = alerts.WebhookBreaker;
        if (breaker is "open" or "half-open")
        {
            problems.Add("the alert webhook's breaker is open: alerts are not being delivered");
        }

        json.WriteStartObject("health");
        json.WriteString("status", problems.Count == 0 ? "ok" : "degraded");
        json.WriteBoolean("ready", store.IsReady);
        json.WriteNumber("wal_bytes", store.WalDiskBytes());
        json.WriteNumber("hot_events", hotRows);
        json.WriteNumber("hot_bytes", hotBytes);
        json.WriteNumber("sealing_lag_events", unsealed);
        json.WriteNumber("parts", parts);
        json.WriteNumber("disk_bytes", diskBytes);
        if (cap > 0)
        {
            json.WriteNumber("disk_cap_bytes", cap);
        }
        else
        {
            json.WriteNull("disk_cap_bytes");
        }

        json.WriteNumber("quota_rejected", rejected);
        json.WriteNumber("quota_sampled_out", sampledOut);
        json.WriteString("webhook_breaker", breaker);
        json.WriteNumber("webhook_failures", alerts.WebhookFailures);
        json.WriteStartArray("problems");
        foreach (var problem in problems)
        {
            json.WriteStringValue(problem);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
