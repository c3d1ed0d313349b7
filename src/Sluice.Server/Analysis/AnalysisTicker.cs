using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Storage;

namespace Sluice.Server.Analysis;

/// <summary>
/// Evaluates monitors, then alert rules, once per minute of the injected clock (so tests move time by hand): it
/// looks at the clock every <c>Alerts:TickMs</c> and runs when a new minute has begun. Owed backfills run first.
/// </summary>
internal sealed class AnalysisTicker(IServiceProvider services, IClock clock, SluiceOptions options, ILogger<AnalysisTicker> logger) : BackgroundService
{
    private long _lastMinute = long.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var monitors = services.GetRequiredService<MonitorBook>();
        var alerts = services.GetRequiredService<AlertBook>();
        var store = services.GetRequiredService<EventStore>();
        services.GetRequiredService<DeliverySender>(); // the outbox left by the last run starts draining now
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Alerts.TickMs));
        do
        {
            try
            {
                // Before recovery the store would answer 0 to every count: an absence would fire, a firing alert resolve.
                if (!store.IsReady)
                {
                    continue;
                }

                var minute = clock.UnixMilliseconds / 60_000;
                await Task.Run(() => monitors.CatchUp(stoppingToken), stoppingToken);
                // Features:Alerts off: no evaluation, so nothing fires or resolves; the next minute after it is on catches up.
                if (minute != _lastMinute && services.GetRequiredService<Sluice.Server.Configuration.LiveSettings>().Current.Features.Alerts)
                {
                    _lastMinute = minute;
                    await EvaluateAsync(monitors, alerts, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Monitor and alert evaluation failed; the next minute tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }, TaskScheduler.Default));
    }

    /// <summary>One evaluation: monitors first, so monitor rules see this minute's status.</summary>
    public static async Task<IReadOnlyList<AlertEvent>> EvaluateAsync(MonitorBook monitors, AlertBook alerts, CancellationToken cancel)
    {
        await Task.Run(monitors.Evaluate, cancel);
        return await alerts.EvaluateAsync(cancel);
    }
}
