using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Storage;

namespace Sluice.Server.Hosting;

/// <summary>
/// Replays the WAL in the background so that /health/live answers while recovery runs; /health/ready and the
/// data endpoints wait for it. A log that cannot be recovered stops the server with a non-zero exit code.
/// </summary>
public sealed class RecoveryService(EventStore store, IHostApplicationLifetime lifetime, ILogger<RecoveryService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Factory.StartNew(Recover, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Recover()
    {
        try
        {
            store.Recover();
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "WAL recovery failed: {Reason}", e.Message);
            Environment.ExitCode = 3;
            lifetime.StopApplication();
        }
    }
}
