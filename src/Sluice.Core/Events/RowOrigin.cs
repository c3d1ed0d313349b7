namespace Sluice.Core.Events;

/// <summary>
/// What admission needs to know of a row beyond its bytes: where it came from in the request (for per-event
/// answers), what the client itself supplied, and a hash of the event exactly as it was sent.
/// </summary>
/// <param name="SourceIndex">Index of the event in the request body (array element, NDJSON line), or -1.</param>
/// <param name="ContentHash">Hash of the event's bytes as sent; 0 when not computed.</param>
public readonly record struct RowOrigin(int SourceIndex, RowFlags Flags, ulong ContentHash);

[Flags]
public enum RowFlags : byte
{
    None = 0,

    /// <summary>The client named the event's <c>id</c> (else admission generated one).</summary>
    ClientId = 1,

    /// <summary>The client gave a timestamp (else the event carries its arrival time).</summary>
    ClientTimestamp = 2,
}
