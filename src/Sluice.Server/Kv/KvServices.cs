using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Redis;
using Sluice.Redis.Kv;
using Sluice.Server.Health;
using Sluice.Server.Metrics;
using Sluice.Core.IO;

namespace Sluice.Server.Kv;

/// <summary>The KV store: its three tiers (two without Redis), the synchronisation loop, health and metrics.</summary>
internal static class KvServices
{
    public static IServiceCollection AddKv(this IServiceCollection services, SluiceOptions options, DataDirectory data)
    {
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Kv");
            var redis = sp.GetService<RedisConnection>() is { } connection ? new RedisTier(connection) : null;
            return new KvStore(options.Kv, new DurableTier(Path.Combine(data.Meta, "kv"), logger),
                new CacheTier(options.Kv.CacheMaxMb * 1024L * 1024), redis, sp.GetRequiredService<IClock>(), logger);
        });
        services.AddSingleton(sp => new KvSync(sp.GetRequiredService<KvStore>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Kv")));
        services.AddSingleton<KvMonitor>();
        services.AddSingleton<IHealthSource>(sp => sp.GetRequiredService<KvMonitor>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<KvMonitor>());
        services.AddHostedService<KvSyncService>();
        return services;
    }
}
