using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.ClickHouse;
using Sluice.ClickHouse.Queries;
using Sluice.ClickHouse.Retention;
using Sluice.ClickHouse.Sinks;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Server.Configuration;
using Sluice.Server.Health;
using Sluice.Server.Metrics;
using Sluice.Storage.Sinks;

namespace Sluice.Server.Hosting;

/// <summary>
/// With <c>ClickHouse:Url</c> set (alias SLUICE_CLICKHOUSE), every acknowledged event is shipped to ClickHouse through
/// the <c>clickhouse</c> sink, and ClickHouse keeps the node's retention.
/// </summary>
internal static class ClickHouseServices
{
    public static IServiceCollection AddClickHouse(this IServiceCollection services, SluiceOptions options)
    {
        if (options.ClickHouse.Url.Length == 0)
        {
            return services;
        }

        services.AddSingleton(sp => new ClickHouseStore(options.ClickHouse, sp.GetRequiredService<Dependencies>(),
            NodeIdentity.LoadOrCreate(sp.GetRequiredService<DataDirectory>().Meta)));
        services.AddSingleton<IEventSink>(sp => new ClickHouseEventSink(sp.GetRequiredService<ClickHouseStore>(), options.ClickHouse.BatchEvents, options.ClickHouse.LingerMs));
        services.AddSingleton(sp => new ReadPathSwitch(options.ClickHouse.Reads, Path.Combine(sp.GetRequiredService<DataDirectory>().Meta, "read-path.json")));
        services.AddSingleton(sp => new ClickHouseQueryEngine(sp.GetRequiredService<ClickHouseStore>(), options.ClickHouse, options.Query, sp.GetRequiredService<IClock>()));
        services.AddSingleton(sp => new RoutedQueryEngine(sp.GetRequiredService<EmbeddedQueryEngine>(), sp.GetRequiredService<ClickHouseQueryEngine>(),
            sp.GetRequiredService<ReadPathSwitch>(), sp.GetRequiredService<ClickHouseStore>().Breaker, options.ClickHouse.LocalWindowMinutes * 60_000L));
        services.AddSingleton(sp => new ReadPathHealth(sp.GetRequiredService<ReadPathSwitch>(), sp.GetRequiredService<RoutedQueryEngine>(), options.ClickHouse));
        services.AddSingleton<IHealthSource>(sp => sp.GetRequiredService<ReadPathHealth>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<ReadPathHealth>());
        services.AddSingleton(sp =>
        {
            var retention = new ClickHouseRetention(sp.GetRequiredService<ClickHouseStore>(), options.Retention);
            sp.GetRequiredService<LiveSettings>().OnChange(ReloadableSettings.Retention, o => retention.Retention = o.Retention);
            return retention;
        });
        services.AddHostedService(sp => new ClickHouseRetentionJob(sp.GetRequiredService<ClickHouseRetention>(), sp.GetRequiredService<IClock>(),
            sp.GetRequiredService<ILogger<ClickHouseRetentionJob>>()));
        return services;
    }
}

/// <summary>
/// Runs <see cref="ClickHouseRetention"/> at start and then at every cleanup interval (the one in force at each
/// run); a failure waits for the next run.
/// </summary>
internal sealed class ClickHouseRetentionJob(ClickHouseRetention retention, IClock clock, ILogger<ClickHouseRetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval());
        do
        {
            timer.Period = Interval();
            try
            {
                var dropped = await retention.RunAsync(clock.UnixMilliseconds, stop);
                if (dropped.Count > 0)
                {
                    logger.LogInformation("ClickHouse retention dropped {Partitions}", string.Join(", ", dropped));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("ClickHouse retention did not run: {Error}", e.Message);
            }
        }
        while (await WaitAsync(timer, stop));
    }

    // PeriodicTimer takes at most about 49 days; a longer interval (the validator sets no upper bound) waits that long.
    private TimeSpan Interval() => TimeSpan.FromMinutes(Math.Min(retention.Retention.CleanupIntervalMinutes, 49 * 24 * 60));

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
