namespace Sluice.Core.Resilience;

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
