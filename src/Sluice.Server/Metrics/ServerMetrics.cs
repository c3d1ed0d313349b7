using Sluice.Core.Metrics;

namespace Sluice.Server.Metrics;

/// <summary>The server's own instruments; <see cref="PrometheusExposition"/> renders them with the storage gauges.</summary>
public sealed class ServerMetrics
{
    public LabeledCounters EventsAccepted { get; } = new("endpoint");

    public LabeledCounters EventsRejected { get; } = new("endpoint", "reason");

    public LabeledCounters Requests { get; } = new("endpoint", "status");

    /// <summary>Events answered as accepted but not stored again: their id or content was stored already.</summary>
    public LabeledCounters Deduplicated { get; } = new("endpoint");

    public Histogram AckLatency { get; } = new(Histogram.LatencyBounds);

    /// <summary>The part of an ack spent waiting for the WAL (queue, group write, fsync, hot-tier apply).</summary>
    public Histogram WalWait { get; } = new(Histogram.LatencyBounds);

    public Histogram SearchLatency { get; } = new(Histogram.LatencyBounds);

    /// <summary>Requests refused by the key check, by reason (error code) and the scope the endpoint needs.</summary>
    public LabeledCounters AuthRejected { get; } = new("reason", "scope");

    /// <summary>Aggregations, custom queries and formulas, from request to answer.</summary>
    public Histogram AnalyticsLatency { get; } = new(Histogram.LatencyBounds);
}
