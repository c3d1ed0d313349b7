using Sluice.Analysis.Monitors;
using Sluice.Core.Events;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// An alert rule as a user writes it (the body of <c>POST /api/alerts/rules</c>, snake_case in JSON). Which fields
/// matter depends on <see cref="Kind"/> (docs/api.md lists them).
/// </summary>
internal sealed record AlertRuleSpec
{
    public string Name { get; init; } = "";

    public AlertKind Kind { get; init; }

    /// <summary>Threshold, absence: the events counted (a filter); also the scope of <see cref="Formula"/>.</summary>
    public string? Query { get; init; }

    /// <summary>Threshold: a formula (docs/query.md) instead of the count, e.g. <c>count(status:>=500) / count() * 100</c>.</summary>
    public string? Formula { get; init; }

    /// <summary>Threshold: one alert per value of this field (the group key), e.g. <c>service</c>.</summary>
    public string? GroupBy { get; init; }

    /// <summary>Threshold: fires when the figure is above this…</summary>
    public double? Above { get; init; }

    /// <summary>…or below this.</summary>
    public double? Below { get; init; }

    /// <summary>The window read at each evaluation, in minutes (absence: how long nothing must match).</summary>
    public int WindowMinutes { get; init; } = 5;

    /// <summary>Monitor: which monitor, and the status from which it fires.</summary>
    public string? MonitorId { get; init; }

    public MonitorStatus MinStatus { get; init; } = MonitorStatus.Warning;

    /// <summary>New pattern: only patterns whose highest level is this or worse (e.g. <c>warn</c>).</summary>
    public EventLevel? MinLevel { get; init; }

    /// <summary>Pattern rate: the pattern, the factor k, and how many previous windows make its baseline.</summary>
    public string? PatternId { get; init; }

    public double Factor { get; init; } = 3;

    public int BaselineWindows { get; init; } = 6;

    /// <summary>Volume: which volume alerts count (<c>volume_spike</c>, <c>quota_rejecting</c>, <c>quota_sampling</c>; none named: all).</summary>
    public IReadOnlyList<string>? VolumeKinds { get; init; }

    /// <summary>After a firing notification, the same alert (rule and group key) is not notified again for this long.</summary>
    public int CooldownMinutes { get; init; } = 10;

    /// <summary>Sample events attached to each notification (0..20).</summary>
    public int Samples { get; init; } = 5;

    public IReadOnlyList<ChannelSpec> Channels { get; init; } = [];

    /// <summary>Extra labels (Alertmanager) and fields (webhooks).</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>One destination of a rule's notifications. The URL may hold a token: answers and logs mask it.</summary>
internal sealed record ChannelSpec(ChannelKind Type, string Url);
