using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Redis;
using Sluice.Storage;
using Sluice.Storage.Retention;

namespace Sluice.Server.Hosting;

/// <summary>
/// Keeps the seed's <c>meta:cleanup:last_run</c> in Redis equal to this node's <c>meta/cleanup-last-run.json</c>:
/// looks every few seconds whether a cleanup wrote a new record and copies it (the newest run of any node wins).
/// </summary>
internal sealed class CleanupRecordMirror(RedisConnection redis, DataDirectory data, ILogger<CleanupRecordMirror> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var path = Path.Combine(data.Meta, CleanupRecord.FileName);
        var copied = DateTime.MinValue;
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

            var written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
            if (written <= copied)
            {
                continue;
            }

            try
            {
                var record = await File.ReadAllBytesAsync(path, stop);
                await redis.RunAsync(db => db.StringSetAsync(redis.Key(CleanupRecord.Key), record), stop);
                copied = written;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "meta:cleanup:last_run not copied to Redis yet");
            }
        }
    }
}
