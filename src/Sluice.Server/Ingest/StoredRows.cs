using Microsoft.Extensions.Logging;
using Sluice.Analysis;
using Sluice.Server.Tail;

namespace Sluice.Server.Ingest;

/// <summary>Hands each durable batch to live tail and to every analysis observer; one failing observer never fails the ingest.</summary>
public sealed class StoredRows(TailHub tail, IEnumerable<IStoredRowsObserver> observers, ILogger<StoredRows> logger)
{
    private readonly IStoredRowsObserver[] _observers = [.. observers];

    public void Publish(ReadOnlySpan<byte> rows, int count)
    {
        tail.Publish(rows, count); // never throws: it copies, or counts a skip
        foreach (var observer in _observers)
        {
            try
            {
                observer.Observe(rows, count);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Observer {Observer} failed on a batch of {Count} rows", observer.GetType().Name, count);
            }
        }
    }
}
