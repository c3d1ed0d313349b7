using Sluice.Core.Errors;

namespace Sluice.Server.Ingest;

/// <summary>What became of one request's events: the answer every front end (native, protocols, syslog) writes in its own shape.</summary>
public sealed record IngestOutcome
{
    /// <summary>200 when events were accepted (some may still be refused); else the status of <see cref="Error"/>.</summary>
    public int Status { get; init; } = 200;

    public FieldError? Error { get; init; }

    /// <summary>Events (or protocol records) in the request.</summary>
    public int Total { get; init; }

    /// <summary>Events answered as accepted: stored, plus duplicates and sampled-out ones (the client must not resend them).</summary>
    public int Accepted { get; init; }

    /// <summary>Refused events by their index in the request, in order.</summary>
    public IReadOnlyList<Rejection> Rejections { get; init; } = [];

    public int Duplicates { get; init; }

    public int SampledOut { get; init; }

    /// <summary>What the tightest quota still allows; long.MaxValue without quotas.</summary>
    public long RemainingQuota { get; init; } = long.MaxValue;

    /// <summary>Seconds to put in Retry-After; 0 for none.</summary>
    public int RetryAfterSeconds { get; init; }

    /// <summary>The first event's trace id and id (the browser reply and one-event replies show them).</summary>
    public string? FirstTraceId { get; init; }

    public string? FirstId { get; init; }

    /// <summary>A refusal; every 503 says when to come back (1 s unless given).</summary>
    public static IngestOutcome Failed(int status, FieldError error, int retryAfterSeconds = 0, int total = 0, IReadOnlyList<Rejection>? rejections = null, string? firstTraceId = null) =>
        new()
        {
            Status = status,
            Error = error,
            RetryAfterSeconds = status == 503 && retryAfterSeconds == 0 ? 1 : retryAfterSeconds,
            Total = total,
            Rejections = rejections ?? [],
            FirstTraceId = firstTraceId,
        };
}
