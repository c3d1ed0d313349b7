using Sluice.Core.Time;

namespace Sluice.Server.Tests.Support;

/// <summary>A clock that moves only when the test says so.</summary>
public sealed class ManualClock(long startMs) : IClock
{
    private long _now = startMs;

    public long UnixMilliseconds => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)by.TotalMilliseconds);
}
