namespace Sluice.Core.Options;

/// <summary>
/// Parts of the server switched on and off while it runs (<c>Features:{name}</c>, runtime updates in
/// docs/configuration.md). Off stops new work of that part; what it already holds is kept.
/// </summary>
public sealed record FeatureOptions
{
    /// <summary>Counting stored log messages into patterns; off: no new messages are counted (the catalog stays).</summary>
    public bool Patterns { get; init; } = true;

    /// <summary>New live-tail subscriptions (<c>/api/logs/tail</c>, <c>/ws</c>); off: 503 <c>feature_disabled</c>.</summary>
    public bool Tail { get; init; } = true;

    /// <summary>Evaluating monitors and alert rules each minute; off: nothing fires or resolves until it is on again.</summary>
    public bool Alerts { get; init; } = true;
}
