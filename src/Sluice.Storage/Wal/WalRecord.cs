namespace Sluice.Storage.Wal;

/// <summary>A durable batch as it is handed on: its events carry sequence numbers FirstSeq … FirstSeq+EventCount-1.</summary>
internal readonly ref struct WalRecord(long firstSeq, int eventCount, ReadOnlySpan<byte> rows)
{
    public long FirstSeq { get; } = firstSeq;

    public int EventCount { get; } = eventCount;

    public ReadOnlySpan<byte> Rows { get; } = rows;
}

/// <summary>Receives records in log order: during recovery, then after each group commit.</summary>
internal interface IWalConsumer
{
    void Apply(WalRecord record);
}
