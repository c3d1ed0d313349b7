namespace Sluice.Core.Options;

/// <summary>Checks options once at start; each problem is one line naming the setting.</summary>
public static class SluiceOptionsValidator
{
    /// <summary>
    /// 64 MiB: a body this size of the smallest events encodes to at most ~3.5× as many row bytes, which stays
    /// under the WAL's 256 MiB record limit (the pipeline still checks each batch).
    /// </summary>
    public const int MaxBodyBytesCeiling = 64 * 1024 * 1024;

    public static IReadOnlyList<string> Validate(SluiceOptions o)
    {
        var errors = new List<string>();
        if (!ListenAddress.TryParse(o.Listen, out _))
        {
            errors.Add($"Listen: '{o.Listen}' is not host:port (e.g. 127.0.0.1:5080)");
        }

        if (string.IsNullOrWhiteSpace(o.DataDir))
        {
            errors.Add("DataDir: must name a directory");
        }

        Check(errors, o.Redis.Url.Length == 0 || o.Redis.Url.StartsWith("redis://", StringComparison.Ordinal) || o.Redis.Url.StartsWith("rediss://", StringComparison.Ordinal), "Redis:Url must start with redis:// or rediss://");
        Check(errors, o.Redis.NodeCount is >= 1 and <= 1000, "Redis:NodeCount must be 1..1000");
        Check(errors, o.Redis.TraceTtlSeconds is >= 1 and <= 30 * 86_400, "Redis:TraceTtlSeconds must be 1..2592000");
        Check(errors, o.Redis.MaxTraceEvents is >= 1 and <= 1_000_000, "Redis:MaxTraceEvents must be 1..1000000");
        Check(errors, o.Redis.TimeoutMs is >= 10 and <= 60_000, "Redis:TimeoutMs must be 10..60000");
        Check(errors, o.ClickHouse.Url.Length == 0 || o.ClickHouse.Url.StartsWith("http://", StringComparison.Ordinal) || o.ClickHouse.Url.StartsWith("https://", StringComparison.Ordinal), "ClickHouse:Url must start with http:// or https://");
        Check(errors, o.ClickHouse.Database.Length > 0 && o.ClickHouse.Database.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), "ClickHouse:Database must be letters, digits and '_'");
        Check(errors, o.ClickHouse.Cluster.Length > 0 && o.ClickHouse.Cluster.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), "ClickHouse:Cluster must be letters, digits and '_'");
        Check(errors, o.ClickHouse.TimeoutMs is >= 100 and <= 600_000, "ClickHouse:TimeoutMs must be 100..600000");
        Check(errors, o.ClickHouse.BatchEvents is >= 1 and <= 1_000_000, "ClickHouse:BatchEvents must be 1..1000000");
        Check(errors, o.ClickHouse.LingerMs is >= 0 and <= 60_000, "ClickHouse:LingerMs must be 0..60000");
        Check(errors, o.ClickHouse.LocalWindowMinutes is >= 0 and <= 10_080, "ClickHouse:LocalWindowMinutes must be 0..10080");
        Check(errors, o.ClickHouse.SqlMaxSeconds is >= 1 and <= 3_600, "ClickHouse:SqlMaxSeconds must be 1..3600");
        Check(errors, o.ClickHouse.SqlMaxMemoryMb is >= 16 and <= 1_048_576, "ClickHouse:SqlMaxMemoryMb must be 16..1048576");
        Check(errors, o.ClickHouse.Shard >= -1, "ClickHouse:Shard must be -1 (by node id) or a shard index");
        Check(errors, o.Chaos.MaxSeconds is >= 1 and <= 86_400, "Chaos:MaxSeconds must be 1..86400");
        Check(errors, o.Mirror.Url.Length == 0 || o.Mirror.Url.StartsWith("http://", StringComparison.Ordinal) || o.Mirror.Url.StartsWith("https://", StringComparison.Ordinal), "Mirror:Url must start with http:// or https://");
        Check(errors, o.Mirror.Share is >= 0 and <= 1, "Mirror:Share must be 0..1");
        Check(errors, o.Mirror.BatchEvents is >= 0 and <= 100_000, "Mirror:BatchEvents must be 0..100000");
        Check(errors, o.Mirror.LingerMs is >= 0 and <= 3_600_000, "Mirror:LingerMs must be 0..3600000");
        Check(errors, o.Sinks.CursorSaveMs is >= 10 and <= 600_000, "Sinks:CursorSaveMs must be 10..600000");
        Check(errors, o.Sinks.BatchEvents is >= 1 and <= 100_000, "Sinks:BatchEvents must be 1..100000");
        Check(errors, o.Sinks.MaxLagMb is >= 1 and <= 1_048_576, "Sinks:MaxLagMb must be 1..1048576");
        Check(errors, o.Breakers.Failures is >= 2 and <= 1000, "Breakers:Failures must be 2..1000");
        Check(errors, o.Breakers.WindowSeconds is >= 1 and <= 3600, "Breakers:WindowSeconds must be 1..3600");
        Check(errors, o.Breakers.OpenSeconds is >= 0.5 and <= 3600, "Breakers:OpenSeconds must be 0.5..3600");
        Check(errors, o.Breakers.HalfOpenProbes is >= 1 and <= 100, "Breakers:HalfOpenProbes must be 1..100");
        Check(errors, o.Breakers.Retries is >= 0 and <= 10, "Breakers:Retries must be 0..10");
        Check(errors, o.Breakers.RetryDelayMs is >= 1 and <= 60_000, "Breakers:RetryDelayMs must be 1..60000");
        Check(errors, o.Kv.CacheTtlSeconds is >= 0 and <= 86_400, "Kv:CacheTtlSeconds must be 0..86400");
        Check(errors, o.Kv.CacheMaxMb is >= 0 and <= 65_536, "Kv:CacheMaxMb must be 0..65536");
        Check(errors, o.Kv.MaxKeys is >= 1 and <= 10_000_000, "Kv:MaxKeys must be 1..10000000");
        Check(errors, o.Kv.MaxKeyBytes is >= 16 and <= 4_096, "Kv:MaxKeyBytes must be 16..4096");
        Check(errors, o.Kv.MaxValueBytes is >= 1_024 and <= 64 * 1024 * 1024, "Kv:MaxValueBytes must be 1024..67108864");
        Check(errors, o.Kv.MaxDiskMb is >= 1 and <= 1_048_576, "Kv:MaxDiskMb must be 1..1048576");
        Check(errors, o.Kv.CompressAboveBytes is >= 64 and <= 64 * 1024 * 1024, "Kv:CompressAboveBytes must be 64..67108864");
        Check(errors, o.Kv.SyncIntervalSeconds is >= 1 and <= 86_400, "Kv:SyncIntervalSeconds must be 1..86400");
        Check(errors, o.Kv.ProbeIntervalMs is >= 50 and <= 60_000, "Kv:ProbeIntervalMs must be 50..60000");
        Check(errors, o.Kv.TombstoneSeconds is >= 60 and <= 31_536_000, "Kv:TombstoneSeconds must be 60..31536000");
        Check(errors, o.Kv.MaxBatchKeys is >= 1 and <= 100_000, "Kv:MaxBatchKeys must be 1..100000");
        Check(errors, o.Kv.MaxBatchMb is >= 1 and <= 256, "Kv:MaxBatchMb must be 1..256");
        Check(errors, o.Wal.SegmentBytes >= 64 * 1024, "Wal:SegmentBytes must be at least 65536");
        Check(errors, o.Wal.BatchFsyncIntervalMs is >= 1 and <= 60_000, "Wal:BatchFsyncIntervalMs must be 1..60000");
        Check(errors, o.Limits.MaxBodyBytes is >= 1024 and <= MaxBodyBytesCeiling, $"Limits:MaxBodyBytes must be 1024..{MaxBodyBytesCeiling}");
        Check(errors, o.Limits.MaxFieldBytes >= 64, "Limits:MaxFieldBytes must be at least 64");
        Check(errors, o.Limits.MaxEventsPerRequest >= 1, "Limits:MaxEventsPerRequest must be at least 1");
        Check(errors, o.Limits.MaxJsonDepth is >= 1 and <= 64, "Limits:MaxJsonDepth must be 1..64");
        Check(errors, o.Limits.MaxAttributesPerEvent >= 0, "Limits:MaxAttributesPerEvent must not be negative");
        Check(errors, o.Hot.ChunkBytes >= 64 * 1024, "Hot:ChunkBytes must be at least 65536");
        Check(errors, o.Hot.MaxBytes >= o.Hot.ChunkBytes * 2L, "Hot:MaxBytes must hold at least two chunks (2 × Hot:ChunkBytes)");
        Check(errors, o.Query.DefaultLimit >= 1 && o.Query.DefaultLimit <= o.Query.MaxLimit, "Query:DefaultLimit must be 1..Query:MaxLimit");
        Check(errors, o.Retention.TrafficHours >= 1, "Retention:TrafficHours must be at least 1");
        Check(errors, o.Retention.LogDays >= 1, "Retention:LogDays must be at least 1");
        Check(errors, o.Retention.HotHours >= 1, "Retention:HotHours must be at least 1");
        Check(errors, o.Retention.MaxDiskBytes >= 0, "Retention:MaxDiskBytes must not be negative");
        Check(errors, o.Retention.ArchiveAfterHours >= 0, "Retention:ArchiveAfterHours must not be negative");
        Check(errors, o.Retention.ArchiveDays >= 0, "Retention:ArchiveDays must not be negative");
        Check(errors, o.Retention.CleanupIntervalMinutes >= 1, "Retention:CleanupIntervalMinutes must be at least 1");
        Check(errors, o.Query.TimeoutMs is >= 100 and <= 3_600_000, "Query:TimeoutMs must be 100..3600000");
        Check(errors, !(o.Cors.AllowCredentials && o.Cors.AllowedOrigins.Split(',').Any(x => x.Trim() == "*")), "Cors:AllowCredentials cannot be used with Cors:AllowedOrigins = * (name the origins)");
        Check(errors, o.Cors.AllowedOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(x => x == "*" || (Uri.TryCreate(x, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.AbsolutePath == "/" && x.TrimEnd('/') == u.GetLeftPart(UriPartial.Authority))),
            "Cors:AllowedOrigins must be * or origins such as https://app.example (scheme, host, optional port; no path)");
        Check(errors, o.Query.MaxRows is >= 1 and <= 1_000_000, "Query:MaxRows must be 1..1000000");
        Check(errors, o.Export.MaxImportSpoolMb is >= 1 and <= 1_048_576, "Export:MaxImportSpoolMb must be 1..1048576");
        Check(errors, o.Export.MaxConcurrentJobs is >= 1 and <= 64, "Export:MaxConcurrentJobs must be 1..64");
        Check(errors, o.Export.MaxJobsMb is >= 1 and <= 16_777_216, "Export:MaxJobsMb must be 1..16777216");
        Check(errors, o.Export.JobTtlMinutes is >= 1 and <= 43_200, "Export:JobTtlMinutes must be 1..43200");
        Check(errors, o.Query.CacheTtlSeconds is >= 0 and <= 86_400, "Query:CacheTtlSeconds must be 0..86400");
        Check(errors, o.Query.CacheMaxMb is >= 1 and <= 4096, "Query:CacheMaxMb must be 1..4096");
        Check(errors, o.Query.MaxAnswerMb is >= 1 and <= 1024, "Query:MaxAnswerMb must be 1..1024");
        Check(errors, o.Query.MaxConcurrent is >= 1 and <= 256, "Query:MaxConcurrent must be 1..256");
        Check(errors, o.Query.QueueWaitMs is >= 0 and <= 60_000, "Query:QueueWaitMs must be 0..60000");
        Check(errors, o.Query.SqlWorkerMemoryMb is >= 256 and <= 1_048_576, "Query:SqlWorkerMemoryMb must be 256..1048576");
        Check(errors, o.Query.SqlWorkers is >= 1 and <= 64, "Query:SqlWorkers must be 1..64");
        Check(errors, o.Storage.SealBytes >= 64 * 1024, "Storage:SealBytes must be at least 65536");
        Check(errors, o.Storage.SealBytes <= o.Hot.MaxBytes / 2, "Storage:SealBytes must be at most half of Hot:MaxBytes (ingest waits for sealing past Hot:MaxBytes)");
        Check(errors, o.Storage.IngestWaitMs is >= 0 and <= 60_000, "Storage:IngestWaitMs must be 0..60000");
        Check(errors, o.Storage.SealIntervalSeconds >= 1, "Storage:SealIntervalSeconds must be at least 1");
        Check(errors, o.Storage.CompactAfterMinutes >= 0, "Storage:CompactAfterMinutes must not be negative");
        Check(errors, o.Storage.CompactionZstdLevel is >= 1 and <= 22, "Storage:CompactionZstdLevel must be 1..22");
        Check(errors, o.Storage.CompactPartsUnderRows >= 0, "Storage:CompactPartsUnderRows must be 0 or more");
        Check(errors, o.Storage.QueryThreads is >= 1 and <= 64, "Storage:QueryThreads must be 1..64");
        Check(errors, o.Storage.QueryMemoryMb >= 64, "Storage:QueryMemoryMb must be at least 64");
        Check(errors, o.Memory.MaxUnflushedMb >= 1, "Memory:MaxUnflushedMb must be at least 1");
        Check(errors, o.Memory.MaxRequestMb >= 1, "Memory:MaxRequestMb must be at least 1");
        Check(errors, o.Memory.WaitMs is >= 0 and <= 60_000, "Memory:WaitMs must be 0..60000");
        Check(errors, o.Memory.BatchSize >= 1, "Memory:BatchSize must be at least 1");
        Check(errors, o.Quotas.MaxKeysPerRule is >= 1 and <= 10_000_000, "Quotas:MaxKeysPerRule must be 1..10000000");
        Check(errors, o.Quotas.SampleFlushMs is >= 100 and <= 3_600_000, "Quotas:SampleFlushMs must be 100..3600000");
        Check(errors, o.Dedup.IdWindowSeconds is >= 1 and <= 86_400, "Dedup:IdWindowSeconds must be 1..86400");
        Check(errors, o.Dedup.ContentWindowSeconds is >= 0 and <= 3_600, "Dedup:ContentWindowSeconds must be 0..3600");
        Check(errors, o.Dedup.MaxKeys is >= 1_000 and <= 100_000_000, "Dedup:MaxKeys must be 1000..100000000");
        Check(errors, o.Alerts.VolumeFactor is >= 1.5 and <= 1_000_000, "Alerts:VolumeFactor must be 1.5..1000000");
        Check(errors, o.Alerts.VolumeMinEventsPerMinute >= 1, "Alerts:VolumeMinEventsPerMinute must be at least 1");
        Check(errors, o.Alerts.CooldownSeconds is >= 0 and <= 604_800, "Alerts:CooldownSeconds must be 0..604800");
        Check(errors, o.Alerts.WebhookUrl.Length == 0 || (Uri.TryCreate(o.Alerts.WebhookUrl, UriKind.Absolute, out var hook) && hook.Scheme is "http" or "https"),
            "Alerts:WebhookUrl must be an http(s) URL");
        Check(errors, o.Alerts.MonitorHistoryDays is >= 8 and <= 90, "Alerts:MonitorHistoryDays must be 8..90");
        Check(errors, o.Alerts.MaxMonitors is >= 0 and <= 100_000, "Alerts:MaxMonitors must be 0..100000");
        Check(errors, o.Alerts.MaxRules is >= 0 and <= 100_000, "Alerts:MaxRules must be 0..100000");
        Check(errors, o.Alerts.TickMs is >= 10 and <= 60_000, "Alerts:TickMs must be 10..60000");
        Check(errors, o.Alerts.DashboardUrl.Length == 0 || (Uri.TryCreate(o.Alerts.DashboardUrl, UriKind.Absolute, out var board) && board.Scheme is "http" or "https"),
            "Alerts:DashboardUrl must be an http(s) URL");
        Check(errors, o.Alerts.DeliveryRetryDelayMs is >= 1 and <= 600_000, "Alerts:DeliveryRetryDelayMs must be 1..600000");
        Check(errors, o.Alerts.DeliveryRetries is >= 0 and <= 10, "Alerts:DeliveryRetries must be 0..10");
        Check(errors, o.Alerts.DeliveryBreakMs is >= 500 and <= 86_400_000, "Alerts:DeliveryBreakMs must be 500..86400000");
        Check(errors, o.Alerts.DeliveryRetryAfterMs is >= 10 and <= 86_400_000, "Alerts:DeliveryRetryAfterMs must be 10..86400000");
        Check(errors, o.Alerts.AlertmanagerResendMinutes is >= 1 and <= 1_440, "Alerts:AlertmanagerResendMinutes must be 1..1440");
        Check(errors, o.Syslog.TcpPort is null or (>= 0 and <= 65535), "Syslog:TcpPort must be 0..65535");
        Check(errors, o.Protocols.OtlpGrpcPort is null or (>= 0 and <= 65535), "Protocols:OtlpGrpcPort must be 0..65535");
        Check(errors, o.Syslog.UdpPort is null or (>= 0 and <= 65535), "Syslog:UdpPort must be 0..65535");
        Check(errors, o.Syslog.TlsPort is null or (>= 0 and <= 65535), "Syslog:TlsPort must be 0..65535");
        Check(errors, o.Syslog.TlsPort is null || o.Tls.CertificatePath.Length > 0, "Syslog:TlsPort needs a certificate: set Tls:CertificatePath");
        Check(errors, o.Tls.KeyPath.Length == 0 || o.Tls.CertificatePath.Length > 0, "Tls:KeyPath is set but Tls:CertificatePath is not");
        Check(errors, o.Syslog.Address.Length == 0 || System.Net.IPAddress.TryParse(o.Syslog.Address, out _), "Syslog:Address must be an IP address");
        Check(errors, o.Syslog.MaxMessageBytes is >= 480 and <= 16 * 1024 * 1024, "Syslog:MaxMessageBytes must be 480..16777216");
        Check(errors, o.Syslog.AllowedNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(n => n == "*" || System.Net.IPNetwork.TryParse(n, out _) || System.Net.IPAddress.TryParse(n, out _)),
            "Syslog:AllowedNetworks must be addresses or CIDR blocks (10.0.0.0/8), comma-separated, or *");
        Check(errors, o.Tail.MaxSubscribers is >= 0 and <= 100_000, "Tail:MaxSubscribers must be 0..100000");
        Check(errors, o.Tail.BufferEvents is >= 1 and <= 1_000_000, "Tail:BufferEvents must be 1..1000000");
        Check(errors, o.Tail.MaxEventsPerSecond is >= 1 and <= 10_000_000, "Tail:MaxEventsPerSecond must be 1..10000000");
        Check(errors, o.Tail.MaxPendingKb is >= 64 and <= 4 * 1024 * 1024, "Tail:MaxPendingKb must be 64..4194304");
        Check(errors, o.Patterns.MaxPatterns is >= 16 and <= 1_000_000, "Patterns:MaxPatterns must be 16..1000000");
        Check(errors, o.Patterns.MaxMessageBytes is >= 64 and <= 65_536, "Patterns:MaxMessageBytes must be 64..65536");
        Check(errors, o.Patterns.CacheMessages is >= 0 and <= 16_777_216, "Patterns:CacheMessages must be 0..16777216");
        Check(errors, o.Patterns.SaveIntervalSeconds is >= 1 and <= 3_600, "Patterns:SaveIntervalSeconds must be 1..3600");
        Check(errors, o.Syslog.MaxConnections is >= 1 and <= 1_000_000, "Syslog:MaxConnections must be 1..1000000");
        Check(errors, o.Syslog.MaxConnectionsPerSender >= 1, "Syslog:MaxConnectionsPerSender must be at least 1");
        Check(errors, o.Syslog.IdleSeconds >= 1 && o.Syslog.BusyIdleSeconds is >= 1 && o.Syslog.BusyIdleSeconds <= o.Syslog.IdleSeconds,
            "Syslog:IdleSeconds must be at least 1 and Syslog:BusyIdleSeconds 1..Syslog:IdleSeconds");
        if (o.Privacy.IpHashKey is { } key && !IsKey(key))
        {
            errors.Add("Privacy:IpHashKey must be base64 of at least 16 bytes");
        }

        return errors;
    }

    private static void Check(List<string> errors, bool ok, string message)
    {
        if (!ok)
        {
            errors.Add(message);
        }
    }

    private static bool IsKey(string base64)
    {
        Span<byte> bytes = stackalloc byte[256];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written >= 16;
    }
}
