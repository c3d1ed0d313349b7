using System.Collections.Concurrent;

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

/// <summary>
/// Faults injected through <c>POST /api/admin/chaos</c> (chaos tests and drills): at most one per dependency, each
/// ending by itself. Every <see cref="DependencyBreaker"/> consults them before each attempt, so a fault goes
/// through the same retries, counting and fallbacks as a real outage would.
/// </summary>
public sealed class InjectedFaults
{
    private readonly ConcurrentDictionary<string, InjectedFault> _faults = new(StringComparer.Ordinal);

    /// <summary>Starts (or replaces) the fault on <paramref name="dependency"/>.</summary>
    public InjectedFault Inject(string dependency, FaultMode mode, TimeSpan duration, int delayMs)
    {
        var fault = new InjectedFault(dependency, mode, mode == FaultMode.Slow ? delayMs : 0,
            Environment.TickCount64 + (long)duration.TotalMilliseconds, DateTimeOffset.UtcNow + duration);
        _faults[dependency] = fault;
        return fault;
    }

    /// <summary>The dependency's fault while it lasts; null when there is none (an ended one is forgotten).</summary>
    public InjectedFault? Current(string dependency)
    {
        if (!_faults.TryGetValue(dependency, out var fault))
        {
            return null;
        }

        if (fault.IsActive)
        {
            return fault;
        }

        _faults.TryRemove(new KeyValuePair<string, InjectedFault>(dependency, fault));
        return null;
    }

    /// <summary>Every fault that still lasts, by dependency.</summary>
    public IReadOnlyList<InjectedFault> Active() =>
        [.. _faults.Keys.Select(Current).OfType<InjectedFault>().OrderBy(f => f.Dependency, StringComparer.Ordinal)];

    /// <summary>Ends the fault on <paramref name="dependency"/>, or every fault when it is null; how many ended.</summary>
    public int End(string? dependency = null)
    {
        if (dependency is not null)
        {
            return _faults.TryRemove(dependency, out var one) && one.IsActive ? 1 : 0;
        }

        var ended = 0;
        foreach (var name in _faults.Keys)
        {
            ended += _faults.TryRemove(name, out var fault) && fault.IsActive ? 1 : 0;
        }

        return ended;
    }

    /// <summary>Before one attempt at <paramref name="dependency"/>: fails it or holds it back as the fault says.</summary>
    public async ValueTask BeforeCallAsync(string dependency, CancellationToken cancel)
    {
        switch (Current(dependency))
        {
            case { Mode: FaultMode.Fail } fault:
                throw new InjectedFaultException(fault);
            case { Mode: FaultMode.Slow } fault:
                await Task.Delay(fault.DelayMs, cancel);
                break;
        }
    }
}

/// <summary>
/// A call failed by an injected fault. It is a <see cref="Polly.CircuitBreaker.BrokenCircuitException"/> so every
/// caller's "dependency unavailable" path (fallbacks, the archive keeping a part warm) takes it as it would a real
/// outage; the breaker itself counts it as a failure, unlike a rejection by its own open circuit.
/// </summary>
public sealed class InjectedFaultException(InjectedFault fault)
    : Polly.CircuitBreaker.BrokenCircuitException($"injected fault: {fault.Dependency} fails for {Math.Ceiling(fault.RemainingMs / 1000.0)} s more (POST /api/admin/chaos)")
{
    public InjectedFault Fault { get; } = fault;
}
