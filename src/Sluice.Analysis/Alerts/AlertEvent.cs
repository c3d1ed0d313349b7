namespace Sluice.Analysis.Alerts;

/// <summary>
/// One line of the alert history: <c>firing</c>, <c>resolved</c>, or a firing not notified because of the
/// cooldown (<c>suppressed</c>) or a silence (<c>silenced</c>).
/// </summary>
internal sealed record AlertEvent(long AtMs, string RuleId, string RuleName, string GroupKey, string State, double Value, string Summary, string? NotificationId);
