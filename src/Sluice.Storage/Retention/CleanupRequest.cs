using Sluice.Core.Events;

namespace Sluice.Storage.Retention;

/// <summary>Which rule a cleanup applies.</summary>
public enum CleanupPolicy
{
    /// <summary>Parts past their kind's time to live (and archived parts past the archive's).</summary>
    Ttl,

    /// <summary>The oldest parts, until the partitions fit <c>Retention:MaxDiskBytes</c>.</summary>
    Size,

    /// <summary>The parts of one kind (or both) whose hour lies inside a time range.</summary>
    Manual,

    /// <summary>What the hourly job runs: TTL, then size, then orphan files.</summary>
    Scheduled,
}

/// <summary>A cleanup to run or, with <see cref="DryRun"/>, only to plan.</summary>
public sealed record CleanupRequest
{
    public required CleanupPolicy Policy { get; init; }

    /// <summary>Manual: the kind to clean; null means both.</summary>
    public EventKind? Kind { get; init; }

    /// <summary>Manual: start of the range, epoch ms, inclusive.</summary>
    public long? StartMs { get; init; }

    /// <summary>Manual: end of the range, epoch ms, exclusive.</summary>
    public long? EndMs { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Manual: allow the range to reach into the last hour, whose events may still be arriving.</summary>
    public bool Force { get; init; }

    /// <summary>Who asked: "api" or "schedule" (recorded in the last-run record).</summary>
    public string Trigger { get; init; } = "api";

    /// <summary>True when the range reaches into the last hour before now, where events may still arrive.</summary>
    public bool TouchesLastHour(long nowMs) => (EndMs ?? long.MaxValue) > nowMs - Partitions.PartInfo.HourMs;
}
