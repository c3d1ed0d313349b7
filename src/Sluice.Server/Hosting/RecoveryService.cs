using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Admission;
using Sluice.Admission.Dedup;
using Sluice.Core.Events;
using Sluice.Core.Time;
using Sluice.Storage;

namespace Sluice.Server.Hosting;

/// <summary>
/// Replays the WAL in the background so that /health/live answers while recovery runs; /health/ready and the
/// data endpoints wait for it. A log that cannot be recovered stops the server with a non-zero exit code.
/// </summary>
public sealed class RecoveryService(EventStore store, BatchAdmission admission, IClock clock, IHostApplicationLifetime lifetime, ILogger<RecoveryService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Factory.StartNew(Recover, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A client whose request was logged just before a crash, but never answered, sends it again after the restart:
    /// the ids of the events recovered into memory go into the duplicate window before the log takes appends, so the
    /// retry is recognised. (Content keys cannot be rebuilt: they hash the request bytes, which are not kept.)
    /// </summary>
    private void RememberRecoveredIds(StorageSnapshot recovered)
    {
        if (admission.Duplicates is not { } duplicates)
        {
            return;
        }

        var now = clock.UnixMilliseconds;
        foreach (var chunk in recovered.Chunks)
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                if (RowReader.TryGetString(chunk.RowBytes(i), FieldTag.Id, out var id))
                {
                    duplicates.Remember(DedupKey.OfId(id), now);
                }
            }
        }
    }

    private void Recover()
    {
        try
        {
            store.Recover(RememberRecoveredIds);
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "WAL recovery failed: {Reason}", e.Message);
            Environment.ExitCode = 3;
            lifetime.StopApplication();
        }
    }
}
