using Microsoft.Extensions.Hosting;
using Sluice.Redis.Kv;

namespace Sluice.Server.Kv;

/// <summary>
/// Runs the KV synchronisation loop. Before the server listens, Redis is pinged once, so the first writes find it
/// connected; at shutdown the backlog gets one last flush (bounded by the host's shutdown time).
/// </summary>
internal sealed class KvSyncService(KvSync sync, KvStore store) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await sync.ProbeAsync();
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => sync.RunAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (store.Backlog.Count > 0 && sync.RedisUp)
        {
            await ((Task)sync.SyncAsync("shutdown")).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
