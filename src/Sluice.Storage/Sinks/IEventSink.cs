namespace Sluice.Storage.Sinks;

/// <summary>
/// Somewhere acknowledged events are shipped to (Redis, ClickHouse, the archive, a forwarder). A sink reads the WAL
/// through its own durable cursor: it is handed every acknowledged event once, in log order, from where it last
/// left off — after a restart or an outage too — and the WAL keeps the events it has not taken yet.
/// </summary>
public interface IEventSink
{
    /// <summary>Names the sink's cursor file (<c>meta/sinks/NAME.cursor</c>) and its line in health: letters, digits, '-'.</summary>
    string Name { get; }

    /// <summary>
    /// Takes events <see cref="SinkBatch.FirstSeq"/> … <see cref="SinkBatch.LastSeq"/>; completes once the sink holds
    /// them. Throwing hands the same events again later (so the cursor never passes an event the sink lacks). After a
    /// crash a sink may be handed events it already took (the cursor is saved at most once per
    /// <c>Sinks:CursorSaveMs</c>): sinks that must not double them keep their own mark (the Redis sink does).
    /// </summary>
    ValueTask DeliverAsync(SinkBatch batch, CancellationToken cancel);

    /// <summary>Most events in one batch for this sink; 0: <c>Sinks:BatchEvents</c>.</summary>
    int MaxBatchEvents => 0;

    /// <summary>
    /// How long a batch smaller than <see cref="MaxBatchEvents"/> may wait for more events before it is handed over,
    /// in ms: 0 hands over whatever is there (Redis); ClickHouse wants few large inserts.
    /// </summary>
    int LingerMs => 0;

    /// <summary>
    /// Save the cursor after every delivered batch rather than at most once per <c>Sinks:CursorSaveMs</c>: for a
    /// sink whose receiver must not see a batch twice after a crash (a forwarder), one small fsync per batch narrows
    /// the resend after a crash to the batch in flight.
    /// </summary>
    bool SavesCursorEachBatch => false;
}

/// <summary>Consecutive acknowledged events in the row layout (docs/wal.md, "Row"), first to last by sequence number.</summary>
public readonly struct SinkBatch(long firstSeq, int count, ReadOnlyMemory<byte> rows)
{
    public long FirstSeq { get; } = firstSeq;

    public int Count { get; } = count;

    public long LastSeq => FirstSeq + Count - 1;

    /// <summary>The encoded rows, each prefixed by its length (<see cref="Sluice.Core.Events.RowLayout"/>).</summary>
    public ReadOnlyMemory<byte> Rows { get; } = rows;
}

/// <summary>How a sink is doing, for health and <c>/metrics</c>.</summary>
public sealed record SinkStatus(
    string Name,
    long DeliveredThroughSeq,
    long LagEvents,
    long Delivered,
    bool HoldsWal,
    long HeldWalBytes,
    long LostEvents,
    long FailedAttempts,
    string? LastError,
    long? LastDeliveryAgeMs,
    long LagBytes = 0,
    long? OldestPendingAgeMs = null);
