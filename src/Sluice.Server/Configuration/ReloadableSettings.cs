namespace Sluice.Server.Configuration;

/// <summary>
/// The settings a running server takes on without a restart, and the consumer that applies each. Everything else
/// (listeners, the data directory, the WAL, Redis, ClickHouse, the archive directory, the quota key budget and the
/// sampling flush) is read once at start: a runtime change to it is refused with <c>setting_not_reloadable</c>
/// rather than stored for a restart that might surprise someone later.
/// </summary>
public static class ReloadableSettings
{
    public const string Features = "features";
    public const string Cors = "cors";
    public const string VolumeAlerts = "volume-alerts";
    public const string Retention = "retention";
    public const string Quotas = "quotas";

    // A trailing ':' names a whole section.
    private static readonly (string Key, string Consumer)[] Entries =
    [
        ("Features:", Features),
        ("Cors:", Cors),
        ("Alerts:VolumeFactor", VolumeAlerts),
        ("Alerts:VolumeMinEventsPerMinute", VolumeAlerts),
        ("Alerts:CooldownSeconds", VolumeAlerts),
        // Read at each cleanup run and eviction; ArchiveDir stays fixed: archived parts are listed under it.
        ("Retention:TrafficHours", Retention),
        ("Retention:LogDays", Retention),
        ("Retention:HotHours", Retention),
        ("Retention:MaxDiskBytes", Retention),
        ("Retention:ArchiveAfterHours", Retention),
        ("Retention:ArchiveDays", Retention),
        ("Retention:CleanupIntervalMinutes", Retention),
        // A new quota book from the next batch on; unchanged rules keep their counters (QuotaBook.Next).
        ("Quotas:Profile", Quotas),
        ("Quotas:Rules", Quotas),
    ];

    /// <summary>The consumer that applies <paramref name="key"/> at runtime (canonical spelling), or null if only a restart does.</summary>
    public static string? ConsumerOf(string key)
    {
        foreach (var (name, consumer) in Entries)
        {
            if (name.EndsWith(':') ? key.StartsWith(name, StringComparison.Ordinal) : key == name)
            {
                return consumer;
            }
        }

        return null;
    }
}
