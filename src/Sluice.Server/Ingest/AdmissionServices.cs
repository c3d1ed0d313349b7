using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Admission;
using Sluice.Admission.Alerts;
using Sluice.Admission.Dedup;
using Sluice.Admission.Quotas;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Server.Configuration;

namespace Sluice.Server.Ingest;

/// <summary>Wires quotas, the duplicate filter and volume alerts into one <see cref="BatchAdmission"/>.</summary>
public static class AdmissionServices
{
    public static IServiceCollection AddAdmission(this IServiceCollection services, SluiceOptions options)
    {
        var errors = new List<string>();
        var rules = QuotaProfiles.Resolve(options.Quotas.Profile, options.Quotas.Rules, errors);
        if (errors.Count > 0)
        {
            throw new OptionsException(string.Join("; ", errors));
        }

        services.AddSingleton(sp => new AlertPublisher(options.Alerts.WebhookUrl, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Alerts"), breaker:
            options.Alerts.WebhookUrl.Length == 0 ? null : sp.GetRequiredService<Sluice.Core.Resilience.Dependencies>().Breaker("webhook:volume-alerts",
                options.Breakers with { Retries = 3, RetryDelayMs = 500 }, AlertPublisher.IsFailure)));
        services.AddSingleton(sp =>
        {
            var monitor = new VolumeMonitor(options.Alerts, sp.GetRequiredService<AlertPublisher>().Publish);
            sp.GetRequiredService<LiveSettings>().OnChange(ReloadableSettings.VolumeAlerts, o => monitor.Use(o.Alerts));
            return monitor;
        });
        // The book the server starts with; after a runtime change of the rules BatchAdmission.Quotas is the one in force.
        services.AddSingleton(sp => Announcing(sp, new QuotaBook(rules, options.Quotas.MaxKeysPerRule)));
        // Counters and the duplicate window the nodes share, when configured (SharedStateServices); else the node's own.
        services.AddSingleton(sp =>
        {
            var admission = new BatchAdmission(
                sp.GetRequiredService<QuotaBook>(),
                sp.GetService<IQuotaCounters>() ?? LocalQuotaCounters.Exact,
                options.Dedup.Enabled ? new DuplicateFilter(options.Dedup) : null,
                sp.GetRequiredService<VolumeMonitor>(),
                options.Dedup.Enabled ? sp.GetService<ISharedDuplicates>() : null);
            sp.GetRequiredService<LiveSettings>().OnChange(ReloadableSettings.Quotas, o =>
            {
                // Already validated with the same resolver when the change was bound; checked again rather than assumed.
                var errors = new List<string>();
                var next = QuotaProfiles.Resolve(o.Quotas.Profile, o.Quotas.Rules, errors);
                if (errors.Count > 0)
                {
                    throw new ArgumentException(string.Join("; ", errors));
                }

                admission.Use(Announcing(sp, admission.Quotas.Next(next)));
            });
            return admission;
        });
        services.AddSingleton<StoredRows>();
        services.AddSingleton<EventIntake>();
        services.AddSingleton<Syslog.SyslogListener>();
        services.AddHostedService(sp => sp.GetRequiredService<Syslog.SyslogListener>());
        services.AddSingleton<HeldEventWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<HeldEventWriter>());
        return services;
    }

    /// <summary>Tells the volume monitor (and through it the alerts) when a rule of <paramref name="book"/> first refuses or samples.</summary>
    private static QuotaBook Announcing(IServiceProvider sp, QuotaBook book)
    {
        var monitor = sp.GetRequiredService<VolumeMonitor>();
        var clock = sp.GetRequiredService<IClock>();
        book.LimitReached += (rule, value) => monitor.QuotaReached(rule, value, clock.UnixMilliseconds);
        return book;
    }
}
