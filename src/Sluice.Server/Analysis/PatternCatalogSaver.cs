using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Analysis.Patterns;
using Sluice.Core.Options;

namespace Sluice.Server.Analysis;

/// <summary>Saves the pattern catalog every <c>Patterns:SaveIntervalSeconds</c> when it changed, and once more at shutdown.</summary>
internal sealed class PatternCatalogSaver(PatternBook book, PatternOptions options, ILogger<PatternCatalogSaver> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SaveIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                SaveNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        SaveNow();
    }

    private void SaveNow()
    {
        try
        {
            book.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The catalog is kept in memory and saved at the next tick; counts since the last save are at risk only if the process dies too.
            logger.LogWarning(e, "Could not save the pattern catalog");
        }
    }
}
