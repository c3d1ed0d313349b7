namespace Sluice.Analysis.Monitors;

/// <summary>A monitor as <c>meta/monitors.json</c> keeps it: definition, status, history and non-empty buckets.</summary>
internal sealed record MonitorRecord(
    string Id,
    MonitorSpec Spec,
    long CreatedMs,
    MonitorStatus Status,
    long StatusSinceMs,
    List<StatusChange> History,
    long CoveredFromMs,
    List<long[]> Minutes,
    List<long[]> Hours);

/// <summary>The whole file: <see cref="SavedAtMs"/> is where the counts stop being trusted after a restart.</summary>
internal sealed record MonitorFile(int Version, long SavedAtMs, List<MonitorRecord> Monitors)
{
    public const int CurrentVersion = 1;
}
