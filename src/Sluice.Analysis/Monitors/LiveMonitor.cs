using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// A monitor as the server runs it: its definition, its compiled filter (used only under the counter's lock, as a
/// <see cref="RowPredicate"/> is single-threaded), its counts and its status with history.
/// </summary>
internal sealed class LiveMonitor(string id, MonitorSpec spec, Filter filter, long createdMs, CountBuckets buckets)
{
    public const int HistoryLimit = 200;

    public string Id { get; } = id;

    public MonitorSpec Spec { get; } = spec;

    public Filter Filter { get; } = filter;

    public RowPredicate Predicate { get; } = new(filter, 0);

    public long CreatedMs { get; } = createdMs;

    public CountBuckets Buckets { get; } = buckets;

    public MonitorStatus Status { get; private set; } = MonitorStatus.NoData;

    public long StatusSinceMs { get; private set; } = createdMs;

    public MonitorReading? Last { get; private set; }

    public List<StatusChange> History { get; } = [];

    /// <summary>Records a reading; a change of status goes into the history (newest last, capped).</summary>
    public StatusChange? Apply(MonitorReading reading, long atMs)
    {
        Last = reading;
        if (reading.Status == Status)
        {
            return null;
        }

        var change = new StatusChange(atMs, Status, reading.Status, reading.Observed, reading.Expected, reading.Summary);
        lock (History)
        {
            History.Add(change);
            if (History.Count > HistoryLimit)
            {
                History.RemoveAt(0);
            }
        }

        Status = reading.Status;
        StatusSinceMs = atMs;
        return change;
    }

    /// <summary>The history, newest first (a copy: evaluation appends to it).</summary>
    public IReadOnlyList<StatusChange> HistoryNewestFirst()
    {
        lock (History)
        {
            return [.. History.AsEnumerable().Reverse()];
        }
    }

    /// <summary>Restores the status and history read back from disk.</summary>
    public void Restore(MonitorStatus status, long sinceMs, IEnumerable<StatusChange> history)
    {
        Status = status;
        StatusSinceMs = sinceMs;
        History.AddRange(history.TakeLast(HistoryLimit));
    }
}
