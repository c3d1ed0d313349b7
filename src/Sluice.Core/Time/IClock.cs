namespace Sluice.Core.Time;

/// <summary>The time source, behind an interface so tests can move time by hand.</summary>
public interface IClock
{
    long UnixMilliseconds { get; }
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();

    public long UnixMilliseconds => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
