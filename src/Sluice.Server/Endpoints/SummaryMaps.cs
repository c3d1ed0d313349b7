using Sluice.Core.Events;

namespace Sluice.Server.Endpoints;

/// <summary>
/// The per-value counts a range summary answers (<c>GET /api/logs/analytics/summary</c>), as JSON name and summary
/// field; compare reads the same names from the other end.
/// </summary>
internal static class SummaryMaps
{
    private static readonly (string Name, string Field)[] Log =
        [("by_level", "level"), ("by_service", "service"), ("by_system", "system"), ("by_category", "category")];

    private static readonly (string Name, string Field)[] Traffic =
        [.. Log, ("by_decision", "decision"), ("by_country", "country"), ("by_reason", "reason"), ("by_domain", "domain")];

    public static IReadOnlyList<(string Name, string Field)> For(EventKind kind) => kind == EventKind.Traffic ? Traffic : Log;
}
