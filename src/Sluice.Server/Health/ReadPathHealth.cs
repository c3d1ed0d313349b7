using System.Text;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Options;
using Sluice.Server.Metrics;

namespace Sluice.Server.Health;

/// <summary>
/// The <c>reads</c> component: where questions are answered (the read-path flag), how many ClickHouse answered, and
/// how many fell back to this node's own events because ClickHouse was away (degraded while it is).
/// </summary>
internal sealed class ReadPathHealth(ReadPathSwitch readPath, RoutedQueryEngine engine, ClickHouseOptions options) : IHealthSource, IMetricsSource
{
    public IEnumerable<ComponentHealth> Check()
    {
        var choice = readPath.Current;
        var away = choice.Reads == ReadPath.ClickHouse && engine.FallingBack;
        yield return new ComponentHealth("reads", away ? HealthStatus.Degraded : HealthStatus.Ok, new Dictionary<string, object?>
        {
            ["path"] = choice.Reads == ReadPath.ClickHouse ? "clickhouse" : "local",
            ["source"] = choice.Source,
            ["local_window_minutes"] = options.LocalWindowMinutes,
            ["clickhouse_answers"] = engine.RemoteAnswers,
            ["fallbacks"] = engine.Fallbacks,
            ["state"] = away ? "local (clickhouse unavailable: answers hold this node's events only)" : null,
        });
    }

    public void Render(StringBuilder text)
    {
        var reads = readPath.Reads;
        new MetricFamily(text, "sluice_read_path", "gauge", "1 for the read path in force (the feature flag): clickhouse past the local window, or local.")
            .Add(reads == ReadPath.ClickHouse ? 1 : 0, ("path", "clickhouse"))
            .Add(reads == ReadPath.Local ? 1 : 0, ("path", "local"));
        new MetricFamily(text, "sluice_read_answers_total", "counter", "Questions meant for ClickHouse, by who answered: clickhouse, or this node on fallback while ClickHouse was away.")
            .Add(engine.RemoteAnswers, ("by", "clickhouse"))
            .Add(engine.Fallbacks, ("by", "fallback"));
    }
}
