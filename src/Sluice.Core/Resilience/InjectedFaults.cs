using System.Collections.Concurrent;

namespace Sluice.Core.Resilience;

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
