using System.Globalization;
using System.Text;
using Sluice.Admission;
using Sluice.Admission.Alerts;
using Sluice.Admission.Quotas;
using Sluice.Core.Metrics;
using Sluice.Query.Analytics;
using Sluice.Storage;
using Sluice.Storage.Partitions;

namespace Sluice.Server.Metrics;

/// <summary>Renders every metric in the Prometheus text exposition format, version 0.0.4.</summary>
public static class PrometheusExposition
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(ServerMetrics metrics, EventStore store, QueryCache cache, Ingest.IngestMemory unflushed, BatchAdmission admission, AlertPublisher alerts,
        Http.QueryGate gate, Ingest.Syslog.SyslogListener syslog, Tail.TailHub tail)
    {
        var text = new StringBuilder(4096);
        Counters(text, "sluice_ingest_events_accepted_total", "Events acknowledged as durable, by ingest endpoint.", metrics.EventsAccepted);
        Counters(text, "sluice_ingest_events_rejected_total", "Events refused, by ingest endpoint and error code.", metrics.EventsRejected);
        Counters(text, "sluice_http_requests_total", "Ingest requests answered, by endpoint and status.", metrics.Requests);
        Single(text, "sluice_ingest_unflushed_bytes", "gauge", "Memory held by accepted events not yet in the WAL (rows and admission's copy), bounded by Memory:MaxUnflushedMb.", unflushed.Unflushed.Used);
        Single(text, "sluice_ingest_unflushed_peak_bytes", "gauge", "The most that memory has held at once since start.", unflushed.Unflushed.Peak);
        Single(text, "sluice_ingest_request_bytes", "gauge", "Memory held by ingest requests being read and translated (bodies, decompression, JSON documents, translations), bounded by Memory:MaxRequestMb.", unflushed.Requests.Used);
        Single(text, "sluice_ingest_request_peak_bytes", "gauge", "The most that memory has held at once since start.", unflushed.Requests.Peak);
        Counters(text, "sluice_ingest_deduplicated_total", "Events answered as accepted but not stored again (their id or content was stored already), by endpoint.", metrics.Deduplicated);
        Admission(text, admission, alerts);
        Counters(text, "sluice_auth_rejected_total", "Requests refused by the API key check, by reason and the scope the endpoint needs.", metrics.AuthRejected);
        Histogram(text, "sluice_ingest_ack_seconds", "Time from request start to durable acknowledgement.", metrics.AckLatency);
        Histogram(text, "sluice_ingest_wal_wait_seconds", "Part of the ack spent waiting for the WAL: queue, group write, fsync, hot-tier apply.", metrics.WalWait);
        Histogram(text, "sluice_search_seconds", "Time to answer a search.", metrics.SearchLatency);
        Histogram(text, "sluice_query_seconds", "Time to answer an aggregation, custom query or formula.", metrics.AnalyticsLatency);
        Single(text, "sluice_query_cache_hits_total", "counter", "Answers over sealed ranges served from the result cache.", cache.Hits);
        Single(text, "sluice_query_cache_misses_total", "counter", "Cacheable answers that had to be computed.", cache.Misses);
        var lookups = cache.Hits + cache.Misses;
        Single(text, "sluice_query_cache_hit_ratio", "gauge", "Hits over cacheable lookups since start (0 before the first).", lookups == 0 ? 0 : (double)cache.Hits / lookups);
        Single(text, "sluice_query_cache_bytes", "gauge", "Bytes of answers held by the result cache.", cache.Bytes);
        Single(text, "sluice_queries_running", "gauge", "Queries holding one of the Query:MaxConcurrent places.", gate.Running);
        Single(text, "sluice_queries_refused_total", "counter", "Queries refused with 503 too_many_queries (no place within Query:QueueWaitMs).", gate.Refused);
        Single(text, "sluice_syslog_connections", "gauge", "Syslog TCP connections open.", syslog.Connections.Count);
        Single(text, "sluice_syslog_connections_refused_total", "counter", "Syslog TCP connections closed at accept: sender not allowed, or no place for it.", syslog.Connections.Refused);
        Single(text, "sluice_syslog_connections_idle_closed_total", "counter", "Syslog TCP connections closed for idling.", syslog.Connections.ClosedIdle);
        Single(text, "sluice_syslog_udp_refused_total", "counter", "Syslog datagrams from senders not allowed (Syslog:AllowedNetworks).", syslog.UdpRefused);
        Single(text, "sluice_tail_subscribers", "gauge", "Live-tail subscribers connected (WebSocket and server-sent events).", tail.Subscribers);
        Single(text, "sluice_tail_skipped_events_total", "counter", "Events a live-tail subscriber did not get because it read too slowly, summed over subscribers.", tail.SkippedEvents);
        Single(text, "sluice_tail_pending_peak_bytes", "gauge", "The most bytes of acknowledged batches that waited at once to be matched for live tail (bounded by Tail:MaxPendingKb).", tail.PendingPeakBytes);
        Single(text, "sluice_tail_dropped_batches_total", "counter", "Acknowledged batches not matched for live tail because matching fell behind (Tail:MaxPendingKb).", tail.DroppedBatches);
        Single(text, "sluice_syslog_udp_dropped_batches_total", "counter", "Syslog UDP batches dropped because the server could not take them.", syslog.UdpDropped);

        var wal = store.WalStats;
        Single(text, "sluice_wal_bytes_written_total", "counter", "Bytes appended to the WAL.", wal.BytesWritten);
        Single(text, "sluice_wal_fsyncs_total", "counter", "fdatasync calls made by the WAL.", wal.Fsyncs);
        Histogram(text, "sluice_wal_fsync_seconds", "Duration of each WAL fdatasync.", wal.FsyncSeconds);
        Single(text, "sluice_wal_records_total", "counter", "WAL records (one per accepted request batch).", wal.Records);
        Single(text, "sluice_wal_group_commits_total", "counter", "WAL writes; records / writes = batches served per write.", wal.GroupCommits);
        Single(text, "sluice_wal_disk_bytes", "gauge", "Bytes of WAL segments on disk.", store.WalDiskBytes());
        using (var snapshot = store.OpenSnapshot())
        {
            Single(text, "sluice_hot_rows", "gauge", "Events held in the hot tier.", snapshot.MemoryRows);
            Single(text, "sluice_hot_bytes", "gauge", "Memory held by hot-tier chunks: rows and their indexes.", snapshot.MemoryBytes);
            Single(text, "sluice_hot_chunks", "gauge", "Hot-tier chunks in memory.", snapshot.Chunks.Count);
            Storage(text, store.Stats, snapshot);
        }

        Single(text, "sluice_ready", "gauge", "1 once WAL recovery has finished and while the log takes writes.", store.IsReady ? 1 : 0);
        Runtime(text);
        return text.ToString();
    }

    /// <summary>Sealing, compaction and cleanup since start, and what the manifest lists now.</summary>
    private static void Storage(StringBuilder text, StorageStats stats, StorageSnapshot snapshot)
    {
        Single(text, "sluice_storage_events_sealed_total", "counter", "Events written into sealed parts.", stats.EventsSealed);
        Single(text, "sluice_storage_parts_written_total", "counter", "Parts written by sealing.", stats.PartsWritten);
        Histogram(text, "sluice_storage_seal_seconds", "Time to write the parts of one batch of sealed chunks.", stats.SealSeconds);
        Single(text, "sluice_storage_compactions_total", "counter", "Hours whose parts were merged into one.", stats.Compactions);
        Single(text, "sluice_storage_failures_total", "counter", "Storage jobs that failed and will be retried.", stats.Failures);
        Single(text, "sluice_storage_cleanup_events_removed_total", "counter", "Events removed by cleanups.", stats.CleanupEventsRemoved);
        Single(text, "sluice_storage_cleanup_bytes_freed_total", "counter", "Bytes freed by cleanups.", stats.CleanupBytesFreed);
        Single(text, "sluice_storage_persisted_through_seq", "gauge", "Highest WAL sequence number held by sealed parts.", snapshot.Persisted);
        var tiers = new[] { ("partitions", PartTier.Partitions), ("archive", PartTier.Archive) };
        foreach (var (name, help, value) in new (string, string, Func<IEnumerable<PartInfo>, long>)[]
        {
            ("sluice_storage_parts", "Parts listed in the manifest, by tier.", parts => parts.Count()),
            ("sluice_storage_bytes", "Bytes of parts on disk, by tier.", parts => parts.Sum(p => p.Bytes)),
            ("sluice_storage_events", "Events in sealed parts, by tier.", parts => parts.Sum(p => p.Rows)),
        })
        {
            Header(text, name, "gauge", help);
            foreach (var (label, tier) in tiers)
            {
                text.Append(name).Append("{tier=\"").Append(label).Append("\"} ")
                    .Append(value(snapshot.Parts.Where(p => p.Tier == tier)).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    /// <summary>Quota decisions per rule, the duplicate window, and alerts raised.</summary>
    private static void Admission(StringBuilder text, BatchAdmission admission, AlertPublisher alerts)
    {
        var stats = admission.Quotas.Stats().ToList();
        foreach (var (name, help, value) in new (string, string, Func<(QuotaRule Rule, long Rejected, long SampledOut, long SampledKept, long SampledWeight), long>)[]
        {
            ("sluice_quota_rejected_total", "Events refused by a quota rule (429 or a per-event rejection).", s => s.Rejected),
            ("sluice_quota_sampled_out_total", "Events a sampling rule let go (answered as accepted, counted in a kept event's weight).", s => s.SampledOut),
            ("sluice_quota_sampled_kept_total", "Events a sampling rule kept while sampling, each carrying a weight.", s => s.SampledKept),
            ("sluice_quota_sampled_weight_total", "Received events the kept samples stand for (the sum of their weights).", s => s.SampledWeight),
        })
        {
            Header(text, name, "counter", help);
            foreach (var stat in stats)
            {
                text.Append(name).Append("{rule=\"").Append(Escape(stat.Rule.Name)).Append("\",scope=\"").Append(stat.Rule.ScopeName).Append("\"} ")
                    .Append(value(stat).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        Single(text, "sluice_quota_sampling_strata", "gauge", "Sampling strata being counted; each may hold one event back until it goes quiet.", admission.Quotas.Strata.Count);
        Single(text, "sluice_dedup_keys", "gauge", "Ids and contents remembered to recognise resent events.", admission.Duplicates?.Count ?? 0);
        Header(text, "sluice_alerts_total", "counter", "Alerts raised (volume spikes, quotas starting to refuse or sample), by kind and scope kind.");
        foreach (var (kind, scope, count) in alerts.Counts())
        {
            text.Append("sluice_alerts_total{kind=\"").Append(kind).Append("\",scope=\"").Append(Escape(scope)).Append("\"} ")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Single(text, "sluice_alert_webhook_sent_total", "counter", "Alerts delivered to the webhook.", alerts.WebhookSent);
        Single(text, "sluice_alert_webhook_failures_total", "counter", "Alerts the webhook did not take after every retry.", alerts.WebhookFailures);
    }

    /// <summary>The runtime figures that explain latency and memory: GC counts and pause time, heap and RSS.</summary>
    private static void Runtime(StringBuilder text)
    {
        Header(text, "dotnet_gc_collections_total", "counter", "Garbage collections, by generation.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            text.Append("dotnet_gc_collections_total{generation=\"").Append(generation).Append("\"} ")
                .Append(GC.CollectionCount(generation).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Header(text, "dotnet_gc_pause_seconds_total", "counter", "Time the runtime was paused for garbage collection.");
        text.Append("dotnet_gc_pause_seconds_total ").Append(GC.GetTotalPauseDuration().TotalSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        Single(text, "dotnet_gc_heap_bytes", "gauge", "Bytes of the managed heap in use.", GC.GetGCMemoryInfo().HeapSizeBytes);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        Single(text, "process_resident_memory_bytes", "gauge", "Resident set size of the server process.", process.WorkingSet64);
    }

    private static void Counters(StringBuilder text, string name, string help, LabeledCounters counters)
    {
        Header(text, name, "counter", help);
        foreach (var (labels, value) in counters.Snapshot())
        {
            text.Append(name).Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                text.Append(counters.LabelNames[i]).Append("=\"").Append(Escape(labels[i])).Append('"');
            }

            text.Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static void Histogram(StringBuilder text, string name, string help, Histogram histogram)
    {
        Header(text, name, "histogram", help);
        long total = 0;
        foreach (var (bound, count) in histogram.Buckets())
        {
            total = count;
            var le = double.IsPositiveInfinity(bound) ? "+Inf" : bound.ToString("R", CultureInfo.InvariantCulture);
            text.Append(name).Append("_bucket{le=\"").Append(le).Append("\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append(name).Append("_sum ").Append(histogram.Sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        // _count repeats the +Inf bucket read above, so the two always agree within one scrape.
        text.Append(name).Append("_count ").Append(total.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Single(StringBuilder text, string name, string type, string help, double value)
    {
        Header(text, name, type, help);
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Single(StringBuilder text, string name, string type, string help, long value)
    {
        Header(text, name, type, help);
        text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
