using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Redis;
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
        if (options.Redis.Url.Length > 0)
        {
            services.AddSingleton(sp => new RedisConnection(options.Redis, dependencies, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Redis")));
        }

        return services;
    }
}
