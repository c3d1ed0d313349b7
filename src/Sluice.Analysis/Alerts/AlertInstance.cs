namespace Sluice.Analysis.Alerts;

/// <summary>
/// The state of one alert: a rule and a group key. <see cref="Notified"/> says the current firing was sent (so its
/// resolution is sent too); <see cref="LastNotifiedMs"/> is what the cooldown counts from.
/// </summary>
internal sealed class AlertInstance
{
    public string GroupKey { get; init; } = "";

    public bool Firing { get; set; }

    public long StartedMs { get; set; }

    public long? ResolvedMs { get; set; }

    public bool Notified { get; set; }

    public long? LastNotifiedMs { get; set; }

    /// <summary>When Alertmanager last heard that this alert still fires (it expires alerts not re-sent).</summary>
    public long? RefreshedMs { get; set; }

    public double Value { get; set; }

    public string Summary { get; set; } = "";

    /// <summary>The notification id of the current firing: its resolution carries the same.</summary>
    public string? NotificationId { get; set; }
}
