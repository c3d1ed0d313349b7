using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Redis;
using Sluice.Redis.Sinks;
using Sluice.Storage;

namespace Sluice.Server.Hosting;

/// <summary>
/// Keeps the seed's <c>meta:cleanup:last_run</c> in Redis equal to this node's <c>meta/cleanup-last-run.json</c>:
/// looks every few seconds whether a cleanup recorded a new run and copies it (the newest run of any node wins).
/// </summary>
internal sealed class CleanupRecordMirror(RedisConnection redis, EventStore store, ILogger<CleanupRecordMirror> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        string? copied = null;
        using var timer = new PeriodicTimer(Every);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (store.LastCleanup()?.ToJsonString() is not { } record || record == copied)
            {
                continue;
            }

            try
            {
                await redis.RunAsync(db => db.StringSetAsync(redis.Key(RedisKeys.CleanupLastRun), record), stop);
                copied = record;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "meta:cleanup:last_run not copied to Redis yet");
            }
        }
    }
}
