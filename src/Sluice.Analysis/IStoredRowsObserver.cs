namespace Sluice.Analysis;

/// <summary>
/// Sees every batch of rows once it is durable (after the WAL append, before the client hears so), on the ingest
/// thread: patterns count their events and monitors their matches here. It must be quick and must not throw.
/// </summary>
public interface IStoredRowsObserver
{
    void Observe(ReadOnlySpan<byte> rows, int count);
}
