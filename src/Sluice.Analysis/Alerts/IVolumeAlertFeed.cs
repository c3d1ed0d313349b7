namespace Sluice.Analysis.Alerts;

/// <summary>
/// The volume alerts the protection layer raised lately (a spike against its EWMA baseline, a quota that started
/// refusing or sampling), newest last; <c>volume</c> rules turn them into alerts with channels, silences and history.
/// </summary>
internal interface IVolumeAlertFeed
{
    IReadOnlyList<VolumeSignal> Recent { get; }
}

/// <param name="Kind"><c>volume_spike</c>, <c>quota_rejecting</c> or <c>quota_sampling</c>.</param>
/// <param name="Scope"><c>global</c>, or a scope and its value: <c>domain=shop.example</c>, <c>system=backend</c>.</param>
internal sealed record VolumeSignal(string Kind, string Scope, string Message, long AtMs, long Events, double Baseline);
