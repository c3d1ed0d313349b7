using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Redis;
using Sluice.Redis.Sinks;
using Sluice.Core.IO;
using Sluice.Storage.Sinks;
using Sluice.Server.Configuration;
using Sluice.Server.Health;
using Sluice.Server.Metrics;

namespace Sluice.Server.Hosting;

/// <summary>Outbound dependencies: the breakers every one of them goes through, and Redis when it is configured.</summary>
internal static class DependencyServices
{
    public static IServiceCollection AddDependencies(this IServiceCollection services, SluiceOptions options)
    {
        var dependencies = new Dependencies(options.Breakers);
        services.AddSingleton(dependencies);
        var breakers = new BreakerHealth(dependencies);
        services.AddSingleton<IHealthSource>(breakers);
        services.AddSingleton<IMetricsSource>(breakers);
        services.AddSingleton<SinkHealth>();
        services.AddSingleton<IHealthSource>(sp => sp.GetRequiredService<SinkHealth>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<SinkHealth>());
        if (options.Redis.Url.Length > 0)
        {
            services.AddSingleton(sp => new RedisConnection(options.Redis, dependencies, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Redis")));
            services.AddSingleton(sp => new RedisTraceReader(sp.GetRequiredService<RedisConnection>(), options.Redis));
            services.AddSingleton<IEventSink>(sp =>
            {
                var sink = new RedisEventSink(sp.GetRequiredService<RedisConnection>(), options.Redis, options.Retention, options.Memory.BatchSize,
                    NodeIdentity.LoadOrCreate(sp.GetRequiredService<DataDirectory>().Meta));
                sp.GetRequiredService<LiveSettings>().OnChange(ReloadableSettings.Retention, o => sink.UseRetention(o.Retention));
                return sink;
            });
            services.AddHostedService<CleanupRecordMirror>();
        }

        return services;
    }
}
