namespace Sluice.Server.Health;

/// <summary>How a component is doing: <c>ok</c>, <c>degraded</c> (working on a fallback), or <c>down</c>.</summary>
internal enum HealthStatus
{
    Ok,
    Degraded,
    Down,
}

/// <summary>One component's line in <c>GET /api/traffic-logs/v2/health</c>, with whatever details explain it.</summary>
internal sealed record ComponentHealth(string Name, HealthStatus Status, IReadOnlyDictionary<string, object?> Details);

/// <summary>A component that reports its health (a dependency, a sink, the quota store); every registered source is listed.</summary>
internal interface IHealthSource
{
    IEnumerable<ComponentHealth> Check();
}
