namespace Sluice.Analysis.Alerts;

/// <summary>Where a notification goes and in which shape.</summary>
internal enum ChannelKind
{
    /// <summary>Sluice's own JSON document (the notification with its evidence).</summary>
    Webhook,

    /// <summary>Slack's incoming-webhook shape: <c>text</c>, <c>blocks</c> with fields.</summary>
    Slack,

    /// <summary>Prometheus Alertmanager's <c>POST /api/v2/alerts</c>; the URL is the Alertmanager's base address.</summary>
    Alertmanager,
}
