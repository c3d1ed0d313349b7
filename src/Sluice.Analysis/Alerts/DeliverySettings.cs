namespace Sluice.Analysis.Alerts;

/// <summary>How the sender retries: the backoff inside one attempt round, the breaker, and the pause before the next round.</summary>
internal sealed record DeliverySettings(TimeSpan RetryDelay, int Retries, TimeSpan BreakDuration, TimeSpan RetryAfter, TimeSpan AlertmanagerHold);
