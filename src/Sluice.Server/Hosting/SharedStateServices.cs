using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Admission;
using Sluice.Admission.Dedup;
using Sluice.Admission.Quotas;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Redis;
using Sluice.Redis.Dedup;
using Sluice.Redis.Quotas;
using Sluice.Server.Health;
using Sluice.Server.Metrics;

namespace Sluice.Server.Hosting;

/// <summary>
/// With <c>Redis:Url</c> set, admission's state moves to Redis for every node to share: the quota counters and the
/// duplicate window, each with its local fallback, in health and <c>/metrics</c>. Without it, admission keeps
/// its own (<see cref="LocalQuotaCounters.Exact"/>, the node's own duplicate filter).
/// </summary>
internal static class SharedStateServices
{
    public static IServiceCollection AddSharedAdmission(this IServiceCollection services, SluiceOptions options)
    {
        if (options.Redis.Url.Length == 0)
        {
            return services;
        }

        services.AddSingleton(sp => new SharedQuotaCounters(sp.GetRequiredService<RedisConnection>(), () => sp.GetRequiredService<BatchAdmission>().Quotas,
            options.Redis.NodeCount, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Quotas")));
        services.AddSingleton<IQuotaCounters>(sp => sp.GetRequiredService<SharedQuotaCounters>());
        if (options.Dedup.Enabled)
        {
            services.AddSingleton(sp => new SharedDuplicates(sp.GetRequiredService<RedisConnection>(), options.Dedup, sp.GetRequiredService<IClock>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Dedup")));
            services.AddSingleton<ISharedDuplicates>(sp => sp.GetRequiredService<SharedDuplicates>());
        }

        services.AddSingleton(sp => new SharedStateHealth(sp.GetRequiredService<SharedQuotaCounters>(), sp.GetService<SharedDuplicates>()));
        services.AddSingleton<IHealthSource>(sp => sp.GetRequiredService<SharedStateHealth>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<SharedStateHealth>());
        return services;
    }
}
