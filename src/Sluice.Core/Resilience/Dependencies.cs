using System.Collections.Concurrent;
using Sluice.Core.Options;

namespace Sluice.Core.Resilience;

/// <summary>
/// Every outbound dependency's breaker, by name, so health (<c>/api/traffic-logs/v2/health</c>) and <c>/metrics</c>
/// show them all, and every component that calls out takes its breaker from one place with the same settings.
/// </summary>
public sealed class Dependencies(BreakerOptions options)
{
    private readonly ConcurrentDictionary<string, DependencyBreaker> _breakers = new(StringComparer.Ordinal);

    public BreakerOptions Options => options;

    /// <summary>Faults injected for chaos tests (<c>POST /api/admin/chaos</c>); every breaker made here consults them.</summary>
    public InjectedFaults Faults { get; } = new();

    /// <summary>The breaker named <paramref name="name"/> if something has made it (a dependency this node uses).</summary>
    public DependencyBreaker? Find(string name) => _breakers.GetValueOrDefault(name);

    /// <summary>The breaker named <paramref name="name"/>, made on first use.</summary>
    public DependencyBreaker Breaker(string name, Func<Exception, bool>? isFailure = null) =>
        _breakers.GetOrAdd(name, n => new DependencyBreaker(n, options, isFailure, Faults));

    /// <summary>The breaker named <paramref name="name"/> with settings of its own (a receiver with its configured retries), made on first use.</summary>
    public DependencyBreaker Breaker(string name, BreakerOptions own, Func<Exception, bool>? isFailure = null) =>
        _breakers.GetOrAdd(name, n => new DependencyBreaker(n, own, isFailure, Faults));

    public IReadOnlyList<DependencyBreaker> All => [.. _breakers.Values.OrderBy(b => b.Name, StringComparer.Ordinal)];
}
