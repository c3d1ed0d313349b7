namespace Sluice.Core.Resilience;

/// <summary>What an injected fault does to each call of its dependency.</summary>
public enum FaultMode
{
    /// <summary>Every call fails at once with <see cref="InjectedFaultException"/> (counted as a failure).</summary>
    Fail,

    /// <summary>Every call waits <see cref="InjectedFault.DelayMs"/> first, then goes through.</summary>
    Slow,
}

/// <summary>One active fault: on which dependency, how, and until when (<see cref="Environment.TickCount64"/>).</summary>
public sealed record InjectedFault(string Dependency, FaultMode Mode, int DelayMs, long UntilTicks, DateTimeOffset ExpiresAt)
{
    public long RemainingMs => Math.Max(0, UntilTicks - Environment.TickCount64);

    public bool IsActive => Environment.TickCount64 < UntilTicks;

    public static string ModeName(FaultMode mode) => mode == FaultMode.Fail ? "fail" : "slow";
}
