using Microsoft.Extensions.DependencyInjection;
using Sluice.Analysis;
using Sluice.Analysis.Patterns;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Analytics;
using Sluice.Storage;

namespace Sluice.Server.Analysis;

/// <summary>Wires the pattern book into parsing (naming), the durable path (counting), queries (templates) and a saver.</summary>
public static class PatternServices
{
    public static IServiceCollection AddPatterns(this IServiceCollection services, SluiceOptions options, DataDirectory data)
    {
        if (!options.Patterns.Enabled)
        {
            return services;
        }

        services.AddSingleton(_ => new PatternBook(options.Patterns, Path.Combine(data.Meta, "patterns.json")));
        services.AddSingleton<IPatternNamer>(sp => sp.GetRequiredService<PatternBook>());
        services.AddSingleton<IPatternCatalogView>(sp => sp.GetRequiredService<PatternBook>());
        services.AddSingleton<IPatternTemplates>(sp => sp.GetRequiredService<PatternBook>());
        services.AddSingleton<IStoredRowsObserver>(sp => sp.GetRequiredService<PatternBook>());
        services.AddHostedService(sp => new PatternCatalogSaver(sp.GetRequiredService<PatternBook>(), options.Patterns,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PatternCatalogSaver>>()));
        return services;
    }
}
