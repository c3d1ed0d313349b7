using Microsoft.Extensions.DependencyInjection;
using Sluice.Analysis;
using Sluice.Analysis.Patterns;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Microsoft.Extensions.Logging;
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

        services.AddSingleton(sp => Open(options.Patterns, Path.Combine(data.Meta, "patterns.json"), sp.GetRequiredService<IClock>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Patterns")));
        services.AddSingleton<IPatternNamer>(sp => sp.GetRequiredService<PatternBook>());
        services.AddSingleton<IPatternCatalogView>(sp => sp.GetRequiredService<PatternBook>());
        services.AddSingleton<IPatternTemplates>(sp => sp.GetRequiredService<PatternBook>());
        // Features:Patterns switches counting at runtime; the catalog and its names stay.
        services.AddSingleton<IStoredRowsObserver>(sp => new SwitchedObserver(sp.GetRequiredService<PatternBook>(),
            sp.GetRequiredService<Sluice.Server.Configuration.LiveSettings>(), static o => o.Features.Patterns));
        services.AddHostedService(sp => new PatternCatalogSaver(sp.GetRequiredService<PatternBook>(), options.Patterns,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PatternCatalogSaver>>()));
        return services;
    }

    /// <summary>
    /// The pattern book on its saved catalog. A catalog that cannot be read is set aside (renamed) and the book starts
    /// empty: it is derived data, and the server must not stay down for it. A newer version's catalog stops the start.
    /// </summary>
    private static PatternBook Open(PatternOptions options, string path, IClock clock, ILogger logger)
    {
        try
        {
            return new PatternBook(options, path, clock);
        }
        catch (InvalidDataException e)
        {
            var aside = $"{path}.unreadable-{clock.UnixMilliseconds}";
            File.Move(path, aside);
            logger.LogError(e, "The pattern catalog could not be read; it was moved to {Aside} and patterns start afresh", Path.GetFileName(aside));
            return new PatternBook(options, path, clock);
        }
    }
}
