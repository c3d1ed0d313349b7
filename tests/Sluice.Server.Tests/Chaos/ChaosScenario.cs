using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.ScaleOut;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>The chaos rows run one after another: each starts servers of its own and measures times that sharing the two cores would blur.</summary>
[CollectionDefinition(Name)]
public sealed class ChaosMatrix
{
    public const string Name = "chaos matrix";
}

/// <summary>
/// The checks every row of seed 002's chaos matrix makes, with what it measured written to the test output:
/// ingest keeps acknowledging durably during the fault; the fault is detected within 30 s (polling health);
/// health and <c>/metrics</c> show it during and after; once the dependency is back the backlog is in ClickHouse
/// within 5 s (the catch-up rate logged); and ClickHouse holds exactly the acknowledged ids, none twice.
/// </summary>
internal sealed class ChaosScenario(ITestOutputHelper output, string row)
{
    public static readonly TimeSpan DetectWithin = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Log(string text) => output.WriteLine($"[{row} +{_clock.Elapsed.TotalSeconds:0.0}s] {text}");

    /// <summary>Every batch posted while the fault lasted was acknowledged (a 200 after the WAL fsync).</summary>
    public void AssertIngestKeptAnswering(AckedFeed feed, int ackedBefore)
    {
        Assert.True(feed.Refusals.Count == 0, $"ingest refused during the fault: {string.Join(" | ", feed.Refusals.Take(3))}");
        Assert.True(feed.AckedCount > ackedBefore, "nothing was acknowledged during the fault");
        Log($"ingest: {feed.AckedCount - ackedBefore} events acknowledged during the fault, slowest ack {feed.SlowestAckMs} ms, 0 refused");
    }

    /// <summary>Polls health until <paramref name="detected"/> holds for the component; how long that took since <paramref name="faultStarted"/>.</summary>
    public async Task<TimeSpan> WaitDetectedAsync(HttpClient node, string component, Stopwatch faultStarted, Func<JsonElement, bool>? detected = null)
    {
        detected ??= BreakerOpen;
        while (true)
        {
            var c = await ChaosClient.ComponentAsync(node, component);
            if (c.ValueKind == JsonValueKind.Object && detected(c))
            {
                var took = faultStarted.Elapsed;
                Log($"detected in {took.TotalSeconds:0.00} s: {component} {c.GetProperty("status").GetString()} {c.GetProperty("details")}");
                Assert.True(took <= DetectWithin, $"{component} took {took.TotalSeconds:0.0} s to be detected");
                return took;
            }

            Assert.True(faultStarted.Elapsed <= DetectWithin, $"{component} not detected within {DetectWithin.TotalSeconds} s: {c}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="detected"/> (a probe from outside) until it holds; how long that took since <paramref name="faultStarted"/>.</summary>
    public async Task<TimeSpan> WaitDetectedAsync(Stopwatch faultStarted, Func<Task<bool>> detected, string what)
    {
        while (!await detected())
        {
            Assert.True(faultStarted.Elapsed <= DetectWithin, $"not detected within {DetectWithin.TotalSeconds} s: {what}");
            await Task.Delay(100);
        }

        var took = faultStarted.Elapsed;
        Log($"detected in {took.TotalSeconds:0.00} s: {what}");
        Assert.True(took <= DetectWithin, $"took {took.TotalSeconds:0.0} s to detect: {what}");
        return took;
    }

    public static bool BreakerOpen(JsonElement component) => component.GetProperty("details").GetProperty("breaker").GetString() == "open";

    /// <summary>During the fault: the dependency's component is degraded and <c>/metrics</c> shows its breaker away from closed (and the sink behind).</summary>
    public async Task AssertShownDuringAsync(HttpClient node, string dependency, string? sink = null)
    {
        var component = await ChaosClient.ComponentAsync(node, dependency);
        Assert.Equal("degraded", component.GetProperty("status").GetString());
        var metrics = await node.GetStringAsync("/metrics");
        var state = Gauge(metrics, "sluice_dependency_breaker_state", $"dependency=\"{dependency}\"");
        Assert.True(state > 0, $"/metrics shows the {dependency} breaker closed during the fault");
        var shown = $"health {dependency} degraded (breaker {component.GetProperty("details").GetProperty("breaker").GetString()}), /metrics breaker state {state}";
        if (sink is not null)
        {
            var lag = Gauge(metrics, "sluice_sink_lag_events", $"sink=\"{sink}\"");
            Assert.True(lag > 0, $"/metrics shows no lag for sink {sink} during the fault");
            shown += $", sink {sink} lag {lag}";
        }

        Log("during: " + shown);
    }

    /// <summary>During a fault the breaker may not see as an outage: the sink is degraded, behind and failing, in health and <c>/metrics</c>.</summary>
    public async Task AssertSinkShownDuringAsync(HttpClient node, string sink)
    {
        var component = await ChaosClient.ComponentAsync(node, "sink:" + sink);
        Assert.Equal("degraded", component.GetProperty("status").GetString());
        var metrics = await node.GetStringAsync("/metrics");
        var lag = Gauge(metrics, "sluice_sink_lag_events", $"sink=\"{sink}\"");
        var failed = Gauge(metrics, "sluice_sink_failed_attempts_total", $"sink=\"{sink}\"");
        Assert.True(lag > 0 && failed > 0, $"/metrics shows sink {sink} lag {lag}, failed attempts {failed}");
        Log($"during: health sink:{sink} degraded ({component.GetProperty("details").GetProperty("last_error").GetString()}), /metrics lag {lag}, failed attempts {failed}");
    }

    /// <summary>
    /// After the dependency is back (at <paramref name="back"/>): polls ClickHouse until it holds every acknowledged id,
    /// asserts that took at most 5 s, and logs the rate at which the <paramref name="backlog"/> went in.
    /// </summary>
    public async Task<(TimeSpan Took, double Rate)> WaitCaughtUpAsync(ClickHouseHttp clickhouse, string database, IReadOnlyCollection<string> acked, string idPrefix, Stopwatch back, long backlog, string since = "after the dependency was back", bool atLeast = false)
    {
        // With atLeast, events acknowledged later may be there too (the feed still runs), so the acked ones are counted.
        var sql = atLeast
            ? $"SELECT count() FROM {database}.events WHERE id IN ({string.Join(',', acked.Select(id => $"'{id}'"))})"
            : $"SELECT count() FROM {database}.events WHERE id LIKE '{idPrefix}%'";
        string held;
        while ((held = await clickhouse.ScalarAsync(sql)) != acked.Count.ToString(CultureInfo.InvariantCulture))
        {
            Assert.True(back.Elapsed <= CatchUpWithin + TimeSpan.FromSeconds(25), $"ClickHouse holds {held} of {acked.Count} acknowledged events {back.Elapsed.TotalSeconds:0} s after recovery");
            await Task.Delay(50);
        }

        var took = back.Elapsed;
        var rate = backlog / Math.Max(took.TotalSeconds, 0.001);
        Log($"caught up in {took.TotalSeconds:0.00} s {since}: backlog {backlog} events, {rate:0} events/s");
        Assert.True(took <= CatchUpWithin, $"the backlog took {took.TotalSeconds:0.0} s to reach ClickHouse (limit {CatchUpWithin.TotalSeconds} s)");
        return (took, rate);
    }

    /// <summary>After recovery: health has the dependency ok with its breaker closed (and the sink caught up), <c>/metrics</c> too; <paramref name="drive"/> makes calls meanwhile (half-open probes need traffic).</summary>
    public async Task AssertShownRecoveredAsync(HttpClient node, string dependency, string? sink, Func<Task> drive)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await drive();
            await Task.Delay(400); // a few sink lingers: what drive() posted is shipped by now
            var component = await ChaosClient.ComponentAsync(node, dependency);
            var sinkLag = sink is null ? 0 : (await ChaosClient.ComponentAsync(node, "sink:" + sink)).GetProperty("details").GetProperty("lag_events").GetInt64();
            if (component.GetProperty("status").GetString() == "ok" && BreakerName(component) == "closed" && sinkLag == 0)
            {
                break;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"{dependency} not shown recovered: {component}, sink lag {sinkLag}");
        }

        var metrics = await node.GetStringAsync("/metrics");
        Assert.Equal(0, Gauge(metrics, "sluice_dependency_breaker_state", $"dependency=\"{dependency}\""));
        Assert.Equal(0, Gauge(metrics, "sluice_chaos_injected", $"dependency=\"{dependency}\",mode=\"fail\""));
        if (sink is not null)
        {
            Assert.Equal(0, Gauge(metrics, "sluice_sink_lag_events", $"sink=\"{sink}\""));
        }

        Log($"after: health {dependency} ok, breaker closed{(sink is null ? "" : $", sink {sink} lag 0")}; /metrics agrees ({deadline.Elapsed.TotalSeconds:0.0} s after catch-up)");
    }

    /// <summary>ClickHouse holds exactly <paramref name="acked"/> among the ids with the prefix: none lost, none twice, none unacknowledged.</summary>
    public async Task AssertExactlyAckedAsync(ClickHouseHttp clickhouse, string database, IReadOnlyCollection<string> acked, string idPrefix)
    {
        await Task.Delay(600); // a few lingers more: a late resend would arrive by now
        var ids = (await clickhouse.ScalarAsync($"SELECT id FROM {database}.events WHERE id LIKE '{idPrefix}%' FORMAT TabSeparated"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var twice = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} ids twice in ClickHouse, e.g. {string.Join(", ", twice.Take(5))}");
        var missing = acked.Except(ids).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged ids missing from ClickHouse, e.g. {string.Join(", ", missing.Take(5))}");
        var extra = ids.Except(acked).ToList();
        Assert.True(extra.Count == 0, $"{extra.Count} ids in ClickHouse were never acknowledged, e.g. {string.Join(", ", extra.Take(5))}");
        Log($"ClickHouse holds exactly the {acked.Count} acknowledged ids, none twice");
    }

    /// <summary>The sink's lag in health now (the backlog it has to ship).</summary>
    public static async Task<long> SinkLagAsync(HttpClient node, string sink) =>
        (await ChaosClient.ComponentAsync(node, "sink:" + sink)).GetProperty("details").GetProperty("lag_events").GetInt64();

    public static double Gauge(string metrics, string name, string labels)
    {
        var match = Regex.Match(metrics, "^" + Regex.Escape(name + "{" + labels + "}") + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"/metrics has no {name}{{{labels}}}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string? BreakerName(JsonElement component) => component.GetProperty("details").GetProperty("breaker").GetString();
}
