using Sluice.Admission.Alerts;
using Sluice.Analysis.Alerts;

namespace Sluice.Server.Analysis;

/// <summary>The protection layer's volume alerts (the last <see cref="AlertPublisher.RecentLimit"/>) as <c>volume</c> alert rules read them.</summary>
internal sealed class VolumeAlertFeed(AlertPublisher publisher) : IVolumeAlertFeed
{
    public IReadOnlyList<VolumeSignal> Recent =>
        [.. publisher.Recent.Select(a => new VolumeSignal(a.Kind, a.Scope, a.Message, a.AtMs, a.Events, a.Baseline))];
}
