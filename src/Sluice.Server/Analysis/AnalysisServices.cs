using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Analysis;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Analysis.Patterns;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Storage;

namespace Sluice.Server.Analysis;

/// <summary>Monitors and alert rules: their books (state under <c>meta/</c>), the ingest observer, the sender and the evaluator.</summary>
public static class AnalysisServices
{
    public static IServiceCollection AddMonitorsAndAlerts(this IServiceCollection services, SluiceOptions options, DataDirectory data)
    {
        var alerts = options.Alerts;
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<EventStore>();
            var backfill = new QueryBackfill(sp.GetRequiredService<IQueryEngine>(), () => store.IsReady);
            return new MonitorBook(sp.GetRequiredService<IClock>(), Path.Combine(data.Meta, "monitors.json"), alerts.MonitorHistoryDays,
                alerts.MaxMonitors, backfill, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Monitors"));
        });
        services.AddSingleton(sp => sp.GetRequiredService<MonitorBook>().Observer);
        services.AddSingleton<IAlertQueries>(sp => new EngineAlertQueries(sp.GetRequiredService<IQueryEngine>()));
        services.AddSingleton(new Outbox(Path.Combine(data.Meta, "alert-outbox.json")));
        services.AddSingleton(sp => new DeliverySender(sp.GetRequiredService<Outbox>(),
            new DeliverySettings(TimeSpan.FromMilliseconds(alerts.DeliveryRetryDelayMs), alerts.DeliveryRetries, TimeSpan.FromMilliseconds(alerts.DeliveryBreakMs),
                TimeSpan.FromMilliseconds(alerts.DeliveryRetryAfterMs), TimeSpan.FromMinutes(3 * alerts.AlertmanagerResendMinutes)),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Alerts"), dependencies: sp.GetRequiredService<Sluice.Core.Resilience.Dependencies>()));
        services.AddSingleton<IVolumeAlertFeed>(sp => new VolumeAlertFeed(sp.GetRequiredService<Sluice.Admission.Alerts.AlertPublisher>()));
        services.AddSingleton(sp => new AlertBook(sp.GetRequiredService<IClock>(), Path.Combine(data.Meta, "alerts.json"), alerts.MaxRules,
            sp.GetRequiredService<IAlertQueries>(), sp.GetRequiredService<MonitorBook>(), sp.GetService<IPatternCatalogView>(),
            sp.GetRequiredService<Outbox>(), DashboardUrl(options), TimeSpan.FromMinutes(alerts.AlertmanagerResendMinutes),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Alerts"), sp.GetRequiredService<IVolumeAlertFeed>()));
        services.AddHostedService<AnalysisTicker>();
        return services;
    }

    private static string DashboardUrl(SluiceOptions options) =>
        options.Alerts.DashboardUrl.Length > 0 ? options.Alerts.DashboardUrl : "http://" + options.Listen;
}
