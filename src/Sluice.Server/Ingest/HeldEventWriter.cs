using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Admission;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Storage;

namespace Sluice.Server.Ingest;

/// <summary>
/// Writes out the events sampling held back once their stratum goes quiet (<see cref="Admission.Quotas.SampleStrata"/>),
/// each carrying the count still owed, so the weights of a spike add up to exactly what was received. Runs every
/// half second, and on <c>POST /api/admin/flush</c> for every stratum.
/// </summary>
public sealed class HeldEventWriter(BatchAdmission admission, EventStore store, IClock clock, SluiceOptions options, StoredRows stored, ILogger<HeldEventWriter> logger) : BackgroundService
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Events written out so far.</summary>
    public long Written { get; private set; }

    public async Task WriteAsync(bool all)
    {
        await _writing.WaitAsync();
        try
        {
            if (!store.IsReady)
            {
                return; // the held events stay held until the log takes writes again
            }

            var held = admission.Quotas.Strata.TakeHeld(clock.UnixMilliseconds, options.Quotas.SampleFlushMs, all);
            if (held.Count == 0)
            {
                return;
            }

            try
            {
                using var batch = new EventBatchBuilder(held.Sum(h => h.Row.Length + 16));
                foreach (var h in held)
                {
                    batch.AppendRow(h.Row, h.Origin, h.Weight);
                }

                if (held.Any(h => h.Weight > 1))
                {
                    store.NoteWeightedEvents();
                }

                await store.AppendAsync(batch.Rows, batch.Count);
                stored.Publish(batch.Rows.Span, batch.Count);
                Written += held.Count;
            }
            catch
            {
                admission.Quotas.Strata.Restore(held); // still owed: the next round tries again
                throw;
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Runs even with no quotas: sampling rules may be set at runtime, and the strata outlive each book.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await WriteAsync(all: false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Writing held sampled events failed, retrying: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await WriteAsync(all: true); // a clean shutdown owes nothing
        }
        catch (Exception e)
        {
            logger.LogWarning("Writing held sampled events at shutdown failed: {Error}", e.Message);
        }
    }
}
