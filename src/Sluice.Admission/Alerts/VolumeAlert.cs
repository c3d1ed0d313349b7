namespace Sluice.Admission.Alerts;

/// <summary>One raised alert: what kind, about which scope, and the numbers behind it.</summary>
/// <param name="Kind"><c>volume_spike</c>, <c>quota_rejecting</c> or <c>quota_sampling</c>.</param>
/// <param name="Scope">The scope and its value, e.g. <c>domain=shop.example</c> or <c>global</c>.</param>
public sealed record VolumeAlert(string Kind, string Scope, string Message, long AtMs, long Events, double Baseline, string? Rule);
