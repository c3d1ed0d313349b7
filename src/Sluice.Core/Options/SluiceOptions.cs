namespace Sluice.Core.Options;

/// <summary>
/// Every setting of the server. Bound from defaults &lt; sluice.json &lt; environment (SLUICE__Section__Key and the
/// aliases of DESIGN §3) &lt; command line; validated by <see cref="SluiceOptionsValidator"/> and printed at start.
/// </summary>
public sealed record SluiceOptions
{
    /// <summary>Address and port of the HTTP listener, "host:port".</summary>
    public string Listen { get; init; } = "127.0.0.1:5080";

    /// <summary>Directory holding wal/, meta/ and (later) partitions/.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary>When a 2xx is sent: after fsync (default), after the write with a periodic fsync, or after the write.</summary>
    public DurabilityMode Durability { get; init; } = DurabilityMode.Fsync;

    public WalOptions Wal { get; init; } = new();

    public IngestLimits Limits { get; init; } = new();

    public HotTierOptions Hot { get; init; } = new();

    public PrivacyOptions Privacy { get; init; } = new();

    public QueryOptions Query { get; init; } = new();

    public ExportOptions Export { get; init; } = new();

    public RetentionOptions Retention { get; init; } = new();

    public MemoryOptions Memory { get; init; } = new();

    public StorageOptions Storage { get; init; } = new();

    public AuthOptions Auth { get; init; } = new();

    public CorsOptions Cors { get; init; } = new();

    public TlsOptions Tls { get; init; } = new();

    public QuotaOptions Quotas { get; init; } = new();

    public DedupOptions Dedup { get; init; } = new();

    public AlertOptions Alerts { get; init; } = new();

    public SyslogOptions Syslog { get; init; } = new();

    public ProtocolOptions Protocols { get; init; } = new();

    public TailOptions Tail { get; init; } = new();

    public PatternOptions Patterns { get; init; } = new();

    public RedisOptions Redis { get; init; } = new();

    public SinkOptions Sinks { get; init; } = new();

    public BreakerOptions Breakers { get; init; } = new();

    public KvOptions Kv { get; init; } = new();

    public ClickHouseOptions ClickHouse { get; init; } = new();

    public ChaosOptions Chaos { get; init; } = new();

    public MirrorOptions Mirror { get; init; } = new();

    public FeatureOptions Features { get; init; } = new();
}

public enum DurabilityMode
{
    /// <summary>Acknowledge after the WAL write is fsynced (group commit).</summary>
    Fsync,

    /// <summary>Acknowledge after the write reaches the OS; fsync every <see cref="WalOptions.BatchFsyncIntervalMs"/>.</summary>
    Batch,

    /// <summary>Acknowledge after the write reaches the OS; never fsync (tests, throw-away data).</summary>
    None,
}

public sealed record WalOptions
{
    /// <summary>Size at which the WAL starts a new segment file, in bytes.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>In <see cref="DurabilityMode.Batch"/>, the longest time written data waits for an fsync, in ms.</summary>
    public int BatchFsyncIntervalMs { get; init; } = 100;
}

public sealed record IngestLimits
{
    /// <summary>Largest request body, in bytes, before and after decompression.</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest single field value (message, stack trace, attribute value…), in bytes.</summary>
    public int MaxFieldBytes { get; init; } = 64 * 1024;

    /// <summary>Most events in one request.</summary>
    public int MaxEventsPerRequest { get; init; } = 100_000;

    /// <summary>Deepest nesting of objects inside one event.</summary>
    public int MaxJsonDepth { get; init; } = 16;

    /// <summary>Most attributes one event may carry after flattening.</summary>
    public int MaxAttributesPerEvent { get; init; } = 256;
}

public sealed record HotTierOptions
{
    /// <summary>Memory the hot tier may hold (rows and their indexes), in bytes; past it the oldest chunks leave memory.</summary>
    public long MaxBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>Size of one hot chunk, in bytes: the unit that is sealed and handed to the partition writer.</summary>
    public int ChunkBytes { get; init; } = 8 * 1024 * 1024;
}

public sealed record PrivacyOptions
{
    /// <summary>Secret for the keyed IP hash (base64, ≥ 16 bytes). Unset: generated once and kept in meta/ip-hash.key.</summary>
    public string? IpHashKey { get; init; }
}

public sealed record QueryOptions
{
    /// <summary>Events per page when a search names no limit.</summary>
    public int DefaultLimit { get; init; } = 100;

    /// <summary>Largest page a search may ask for.</summary>
    public int MaxLimit { get; init; } = 10_000;

    /// <summary>How long a language query, custom SQL or formula may run before it is stopped (504 query_timeout).</summary>
    public int TimeoutMs { get; init; } = 30_000;

    /// <summary>Most rows a language query or custom SQL returns; past it the answer is cut and says so.</summary>
    public int MaxRows { get; init; } = 10_000;

    /// <summary>How long an answer over sealed time ranges is served from the result cache; 0 turns the cache off.</summary>
    public int CacheTtlSeconds { get; init; } = 60;

    /// <summary>Memory the result cache may hold, in MiB (oldest answers leave first).</summary>
    public int CacheMaxMb { get; init; } = 32;

    /// <summary>
    /// Largest answer a query gives, in MiB, counted while it is read: a table past it is cut and says
    /// <c>"truncated_by":"bytes"</c>; a search page ends early and its cursor goes on from there.
    /// </summary>
    public int MaxAnswerMb { get; init; } = 16;

    /// <summary>Queries that may run at once (searches, aggregations, custom queries, formulas); more wait <see cref="QueueWaitMs"/>, then 503 <c>too_many_queries</c>.</summary>
    public int MaxConcurrent { get; init; } = 4;

    /// <summary>How long a query waits for one of the <see cref="MaxConcurrent"/> places, in ms.</summary>
    public int QueueWaitMs { get; init; } = 2_000;

    /// <summary>
    /// Data memory of each process custom SQL runs in, in MiB: a hard cap set by the kernel (RLIMIT_DATA, on
    /// Linux), past which the statement fails with 503 <c>query_memory</c>; its engine may use half of it.
    /// </summary>
    public int SqlWorkerMemoryMb { get; init; } = 1_024;

    /// <summary>Custom SQL statements that may run at once, each in its own worker process; more wait <see cref="QueueWaitMs"/>, then 503 <c>too_many_queries</c>.</summary>
    public int SqlWorkers { get; init; } = 2;
}

public sealed record RetentionOptions
{
    /// <summary>How long traffic events are kept, in hours (alias TRAFFIC_LOGS_RETENTION_HOURS). Enforced by the storage layer.</summary>
    public int TrafficHours { get; init; } = 48;

    /// <summary>How long log events are kept, in days. Enforced by the storage layer.</summary>
    public int LogDays { get; init; } = 7;

    /// <summary>How long events stay in the in-memory hot tier (and its trace index) once persisted, in hours.</summary>
    public int HotHours { get; init; } = 1;

    /// <summary>Cap on the bytes of sealed partitions; past it the oldest go first. 0: no cap.</summary>
    public long MaxDiskBytes { get; init; }

    /// <summary>Partitions older than this many hours move to the archive instead of being deleted. 0: no archive.</summary>
    public int ArchiveAfterHours { get; init; }

    /// <summary>How long archived partitions are kept, in days. 0: for ever.</summary>
    public int ArchiveDays { get; init; }

    /// <summary>Where archived partitions go; empty: archive/ under the data directory.</summary>
    public string ArchiveDir { get; init; } = "";

    /// <summary>Minutes between runs of the cleanup job.</summary>
    public int CleanupIntervalMinutes { get; init; } = 60;
}

public sealed record MemoryOptions
{
    /// <summary>Cap on accepted but un-flushed batches, in MiB (alias TRAFFIC_LOGS_MAX_MEMORY_MB).</summary>
    public int MaxUnflushedMb { get; init; } = 10;

    /// <summary>
    /// Memory ingest requests may hold while they are read and translated, in MiB: bodies, decompressed bodies, a
    /// protocol's JSON document and its translation, each drawn before it is allocated; past it 503 <c>memory_full</c>.
    /// </summary>
    public int MaxRequestMb { get; init; } = 64;

    /// <summary>How long a request waits for room under <see cref="MaxUnflushedMb"/> or <see cref="MaxRequestMb"/> before 503 <c>memory_full</c>.</summary>
    public int WaitMs { get; init; } = 1_000;

    /// <summary>Events per batch handed to external sinks (alias TRAFFIC_LOGS_BATCH_SIZE).</summary>
    public int BatchSize { get; init; } = 100;
}

public sealed record StorageOptions
{
    /// <summary>Hot bytes waiting to be persisted at which the partition writer seals them into parts.</summary>
    public long SealBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Longest time, in seconds, an acknowledged event waits before it is sealed into a part.</summary>
    public int SealIntervalSeconds { get; init; } = 60;

    /// <summary>
    /// Longest an ingest request waits, in ms, for sealing to make room when unsealed rows fill Hot:MaxBytes;
    /// after it the request answers 503 <c>storage_behind</c> with Retry-After.
    /// </summary>
    public int IngestWaitMs { get; init; } = 5_000;

    /// <summary>Minutes after an hour ends before its parts are compacted into one.</summary>
    public int CompactAfterMinutes { get; init; } = 10;

    /// <summary>
    /// A closed hour's parts are merged when it has more than one and one of them holds fewer rows than this (or it
    /// has more than <c>CompactionPolicy.MaxPartsPerHour</c>). Larger seal parts are already in their final layout and
    /// are not written a second time.
    /// </summary>
    public int CompactPartsUnderRows { get; init; } = 16_384;

    /// <summary>zstd level of parts rewritten by compaction (1..22).</summary>
    public int CompactionZstdLevel { get; init; } = 9;

    /// <summary>Threads the embedded query engine (DuckDB) may use.</summary>
    public int QueryThreads { get; init; } = 1;

    /// <summary>Memory the embedded query engine may use, in MiB (outside the .NET heap).</summary>
    public int QueryMemoryMb { get; init; } = 512;
}

public sealed record AuthOptions
{
    /// <summary>Comma-separated <c>key:scope+scope</c> entries (alias SLUICE_API_KEYS); empty: loopback clients only.</summary>
    public string ApiKeys { get; init; } = "";

    /// <summary>The same with each key's SHA-256 (64 hex digits) in place of the key, for options files.</summary>
    public string ApiKeyHashes { get; init; } = "";

    /// <summary>Serve <c>/metrics</c> without a key (for a Prometheus that holds none).</summary>
    public bool OpenMetrics { get; init; }
}

public sealed record CorsOptions
{
    /// <summary>Comma-separated origins browsers may ingest from (<c>https://app.example</c>), or <c>*</c>; empty: none.</summary>
    public string AllowedOrigins { get; init; } = "";

    /// <summary>Let browsers send cookies and credentials with ingest requests; only with listed origins, never <c>*</c>.</summary>
    public bool AllowCredentials { get; init; }
}

public sealed record TlsOptions
{
    /// <summary>
    /// The server's certificate: a PEM file (its key in <see cref="KeyPath"/> or in the same file) or a PKCS#12 file
    /// (<c>.pfx</c>/<c>.p12</c>). Set, the HTTP listener (and the gRPC port) speaks only HTTPS; empty: plain HTTP.
    /// </summary>
    public string CertificatePath { get; init; } = "";

    /// <summary>The PEM private key of <see cref="CertificatePath"/>; empty: the key is in the certificate file.</summary>
    public string KeyPath { get; init; } = "";

    /// <summary>Password of a PKCS#12 file or of an encrypted PEM key; a secret, never printed.</summary>
    public string Password { get; init; } = "";
}

public sealed record QuotaOptions
{
    /// <summary>Rules shipped with Sluice (alias SLUICE_QUOTA_PROFILE): <c>none</c>, <c>dev-logging</c> or <c>traffic</c>.</summary>
    public string Profile { get; init; } = "none";

    /// <summary>
    /// More rules, after the profile's: <c>scope[=value]:limit/window[:action]</c> separated by <c>;</c>, e.g.
    /// <c>domain:1000/1h:sample; system=browser:400/1h</c> (docs/api.md, "Quotas").
    /// </summary>
    public string Rules { get; init; } = "";

    /// <summary>Distinct keys (traces, domains, IPs …) one rule tracks per window; past it new keys share one counter.</summary>
    public int MaxKeysPerRule { get; init; } = 100_000;

    /// <summary>A sampling stratum with events held back is written out after this long without a new event, in ms.</summary>
    public int SampleFlushMs { get; init; } = 2_000;
}

public sealed record DedupOptions
{
    /// <summary>Drop an event whose id was stored within <see cref="IdWindowSeconds"/>, still answering it as accepted.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long a stored id is remembered, in seconds (at least this long, at most twice).</summary>
    public int IdWindowSeconds { get; init; } = 600;

    /// <summary>
    /// How long the content of an event that carries its own timestamp but no id is remembered, in seconds; a
    /// byte-identical event within it is a retry. 0 turns content matching off.
    /// </summary>
    public int ContentWindowSeconds { get; init; } = 30;

    /// <summary>Most keys remembered; past it the window gets shorter rather than memory larger.</summary>
    public int MaxKeys { get; init; } = 1_000_000;
}

public sealed record AlertOptions
{
    /// <summary>A scope's events in one minute above this many times its baseline raise a volume alert.</summary>
    public double VolumeFactor { get; init; } = 10;

    /// <summary>…and above this many events per minute, so quiet scopes do not alert on a handful.</summary>
    public int VolumeMinEventsPerMinute { get; init; } = 1_000;

    /// <summary>The same alert (kind and scope) is raised at most once per this many seconds.</summary>
    public int CooldownSeconds { get; init; } = 600;

    /// <summary>Where alerts are posted as Slack-compatible JSON (<c>{"text":…}</c>); empty: no webhook.</summary>
    public string WebhookUrl { get; init; } = "";

    /// <summary>Days of hourly counts each monitor keeps for its baseline (8..90; same-hour-last-week needs 8).</summary>
    public int MonitorHistoryDays { get; init; } = 35;

    /// <summary>Most monitors the server runs.</summary>
    public int MaxMonitors { get; init; } = 10_000;

    /// <summary>Most alert rules the server runs.</summary>
    public int MaxRules { get; init; } = 1_000;

    /// <summary>How often (real time, ms) the evaluator looks at the clock; monitors and rules run once per new minute.</summary>
    public int TickMs { get; init; } = 1_000;

    /// <summary>The dashboard's address in notification links (<c>…/explore?q=…</c>); empty: <c>http://</c> + <c>Listen</c>.</summary>
    public string DashboardUrl { get; init; } = "";

    /// <summary>First delay between retries of one delivery, in ms (doubling, with jitter).</summary>
    public int DeliveryRetryDelayMs { get; init; } = 500;

    /// <summary>Retries of one delivery in one round, before it waits <see cref="DeliveryRetryAfterMs"/>.</summary>
    public int DeliveryRetries { get; init; } = 3;

    /// <summary>How long a receiver's circuit breaker stays open after 5 failures in a row, in ms (at least 500).</summary>
    public int DeliveryBreakMs { get; init; } = 30_000;

    /// <summary>Pause before the next round for a delivery that failed its round, in ms; it is kept until taken.</summary>
    public int DeliveryRetryAfterMs { get; init; } = 30_000;

    /// <summary>While an alert fires, Alertmanager is told again this often (its endsAt is 3 × this ahead), in minutes.</summary>
    public int AlertmanagerResendMinutes { get; init; } = 5;
}

public sealed record SyslogOptions
{
    /// <summary>TCP port for syslog (RFC 5424/3164, octet counting or LF framing; alias SLUICE_SYSLOG_TCP); unset: off, 0: any free port.</summary>
    public int? TcpPort { get; init; }

    /// <summary>
    /// TCP port for syslog over TLS (RFC 5425: octet counting inside TLS, with the certificate of <c>Tls:*</c>;
    /// alias SLUICE_SYSLOG_TLS); unset: off, 0: any free port.
    /// </summary>
    public int? TlsPort { get; init; }

    /// <summary>UDP port for syslog, one message per datagram (alias SLUICE_SYSLOG_UDP); unset: off, 0: any free port.</summary>
    public int? UdpPort { get; init; }

    /// <summary>Address the syslog listeners bind; empty: the host of <c>Listen</c>.</summary>
    public string Address { get; init; } = "";

    /// <summary>Largest syslog message taken, in bytes; a longer one is cut there.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Syslog carries no key, so it takes messages from this machine (loopback) only, and from the networks listed
    /// here: comma-separated addresses or CIDR blocks (<c>10.0.0.0/8, 192.0.2.7</c>), or <c>*</c> for any sender.
    /// </summary>
    public string AllowedNetworks { get; init; } = "";

    /// <summary>TCP connections served at once; past it a new connection is closed at once.</summary>
    public int MaxConnections { get; init; } = 1_024;

    /// <summary>TCP connections one sender address may hold at once.</summary>
    public int MaxConnectionsPerSender { get; init; } = 32;

    /// <summary>A TCP connection that sends nothing for this long is closed, in seconds.</summary>
    public int IdleSeconds { get; init; } = 600;

    /// <summary>…and for this long once nine tenths of <see cref="MaxConnections"/> are open, so idle senders make room for new ones.</summary>
    public int BusyIdleSeconds { get; init; } = 10;
}

public sealed record ProtocolOptions
{
    /// <summary>Elasticsearch bulk: a document that names no service gets its index name as <c>service</c>; false keeps the index only as attribute <c>index</c>.</summary>
    public bool ElasticIndexAsService { get; init; } = true;

    /// <summary>HTTP/2 port for OTLP over gRPC (alias SLUICE_OTLP_GRPC_PORT; 4317 by convention); unset: off, 0: any free port.</summary>
    public int? OtlpGrpcPort { get; init; }
}

public sealed record TailOptions
{
    /// <summary>Live-tail subscribers (WebSocket and server-sent events together) served at once; past it, 503.</summary>
    public int MaxSubscribers { get; init; } = 200;

    /// <summary>Events one subscriber may have waiting to be sent; past it, new events are skipped and counted for it.</summary>
    public int BufferEvents { get; init; } = 1_000;

    /// <summary>
    /// Events one subscriber is sent per second at most; the rest are skipped and counted. A person cannot read
    /// more, and it bounds what each subscriber costs the server however much arrives.
    /// </summary>
    public int MaxEventsPerSecond { get; init; } = 1_000;

    /// <summary>Bytes of acknowledged batches waiting to be matched against the subscribers' filters; past it, batches are skipped for everyone.</summary>
    public int MaxPendingKb { get; init; } = 16 * 1024;
}

public sealed record PatternOptions
{
    /// <summary>Whether every log event is given a <c>pattern_id</c> by the template miner as it is parsed.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Most live patterns the miner keeps; past it the rarest is evicted (the catalog keeps its counts).</summary>
    public int MaxPatterns { get; init; } = 10_000;

    /// <summary>Leading bytes of a message the miner reads; the rest never changes its pattern, and bounds the work per event.</summary>
    public int MaxMessageBytes { get; init; } = 2_048;

    /// <summary>Distinct messages remembered with their pattern, so a repeated message skips the miner.</summary>
    public int CacheMessages { get; init; } = 65_536;

    /// <summary>How often the catalog (templates, counts, first and last seen) is saved when it changed, in seconds.</summary>
    public int SaveIntervalSeconds { get; init; } = 10;
}

/// <summary>Redis, for the state several nodes share (quotas, duplicate windows, recent traces, the KV tiers).</summary>
public sealed record RedisOptions
{
    /// <summary><c>redis://[:password@]host:port[/db]</c> (alias SLUICE_REDIS); empty: no Redis, every node keeps its own state.</summary>
    public string Url { get; init; } = "";

    /// <summary>Prepended to every key, so several deployments (or tests) can share one Redis; empty by default (the seeds' key names).</summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary>Nodes sharing the quotas: while Redis is away each node admits this share of every limit on its own.</summary>
    public int NodeCount { get; init; } = 1;

    /// <summary>How long one Redis call may take before it counts as a failure, in ms.</summary>
    public int TimeoutMs { get; init; } = 1_000;

    /// <summary>How long a trace's list <c>logs:{trace_id}</c> lives after its last event, in seconds (seed 004: an hour).</summary>
    public int TraceTtlSeconds { get; init; } = 3_600;

    /// <summary>Most events of one trace read back from Redis for a trace look-up.</summary>
    public int MaxTraceEvents { get; init; } = 10_000;
}

/// <summary>
/// The circuit breaker and retries every outbound dependency goes through (seed 002's numbers): it opens after
/// <see cref="Failures"/> failed attempts (retries count) with no success between them within <see cref="WindowSeconds"/>, stays open for
/// <see cref="OpenSeconds"/>, then lets probes through; the dependency counts as recovered after
/// <see cref="HalfOpenProbes"/> successful probes in a row.
/// </summary>
public sealed record BreakerOptions
{
    public int Failures { get; init; } = 5;

    public int WindowSeconds { get; init; } = 60;

    public double OpenSeconds { get; init; } = 30;

    public int HalfOpenProbes { get; init; } = 3;

    /// <summary>Retries of one call before it counts as failed (exponential backoff with jitter from <see cref="RetryDelayMs"/>).</summary>
    public int Retries { get; init; } = 2;

    public int RetryDelayMs { get; init; } = 50;
}

/// <summary>Sinks read acknowledged events from the WAL through their own durable cursors (Redis, later ClickHouse and forwarders).</summary>
public sealed record SinkOptions
{
    /// <summary>A sink's cursor is saved at most this often while it delivers (and whenever it is idle), in ms; after a crash it may be handed this much again.</summary>
    public int CursorSaveMs { get; init; } = 1_000;

    /// <summary>Most events handed to a sink in one batch (one Redis script call); fewer when less is waiting.</summary>
    public int BatchEvents { get; init; } = 1_000;

    /// <summary>WAL a lagging sink may hold back from trimming, in MiB; past it the WAL is trimmed without it and what it misses is counted as lost.</summary>
    public int MaxLagMb { get; init; } = 1_024;
}

/// <summary>When a KV write answers (seed 002): after every reachable tier has it, or after the local tiers.</summary>
public enum KvWriteMode
{
    /// <summary>Answer after the durable tier, Redis (when reachable) and the cache have the value.</summary>
    Through,

    /// <summary>Answer after the durable tier and the cache; a background flusher writes Redis.</summary>
    Behind,
}

/// <summary>
/// The key-value store of seed 002's data-access API: an in-process cache, then Redis (when <c>Redis:Url</c> is set),
/// then files under <c>meta/kv/</c>. Sluice keeps its own state there too (the dashboard's config).
/// </summary>
public sealed record KvOptions
{
    /// <summary>Whether a write answers after Redis has it (<c>Through</c>) or leaves Redis to the background flusher (<c>Behind</c>); a request may choose with <c>?mode=</c>.</summary>
    public KvWriteMode WriteMode { get; init; } = KvWriteMode.Through;

    /// <summary>How long a value stays in a node's cache when the write names no <c>cache_ttl</c>, in seconds: the most a node can lag behind another node's write.</summary>
    public int CacheTtlSeconds { get; init; } = 10;

    /// <summary>Memory for cached values (stored, i.e. compressed, bytes), in MiB; past it the least recently used leave.</summary>
    public int CacheMaxMb { get; init; } = 64;

    /// <summary>Most live keys in the durable tier; a write of a new key past it answers 507 <c>kv_full</c>.</summary>
    public int MaxKeys { get; init; } = 100_000;

    /// <summary>Longest key, in UTF-8 bytes (400 <c>field_too_long</c>, field <c>key</c>).</summary>
    public int MaxKeyBytes { get; init; } = 512;

    /// <summary>Largest value, in bytes before compression (413 <c>value_too_large</c>).</summary>
    public int MaxValueBytes { get; init; } = 1024 * 1024;

    /// <summary>Most stored bytes in the durable tier, in MiB; a write past it answers 507 <c>kv_full</c>, and a <c>size</c> cleanup with no <c>max_bytes</c> cuts to it.</summary>
    public int MaxDiskMb { get; init; } = 1_024;

    /// <summary>Values longer than this many bytes are stored zstd-compressed (when that makes them smaller).</summary>
    public int CompressAboveBytes { get; init; } = 1_024;

    /// <summary>How often the durable tier is reconciled with Redis (keys Redis lacks or holds older are pushed, newer ones pulled) and expired files removed, in seconds.</summary>
    public int SyncIntervalSeconds { get; init; } = 30;

    /// <summary>How often Redis is pinged, in ms: an outage is seen by the next ping at the latest, and the write-behind backlog is flushed once it answers again.</summary>
    public int ProbeIntervalMs { get; init; } = 1_000;

    /// <summary>How long a deletion is remembered (in every tier), in seconds, so a node that still holds the value does not bring it back.</summary>
    public int TombstoneSeconds { get; init; } = 86_400;

    /// <summary>Most keys in one batch request.</summary>
    public int MaxBatchKeys { get; init; } = 1_000;

    /// <summary>Largest body of a batch request, in MiB.</summary>
    public int MaxBatchMb { get; init; } = 16;
}

/// <summary>Where older ranges are read from when ClickHouse is configured (a feature flag: switched at runtime, rolled back at once).</summary>
public enum ReadPath
{
    /// <summary>Every question is answered by this node's embedded engine (its own events only).</summary>
    Local,

    /// <summary>Questions reaching past the local window are answered by ClickHouse (every node's events).</summary>
    ClickHouse,
}

/// <summary>
/// ClickHouse as the shared warm store (issue 17): every acknowledged event is shipped there through a sink cursor,
/// and questions over older ranges are answered there. Empty <see cref="Url"/>: off.
/// </summary>
public sealed record ClickHouseOptions
{
    /// <summary>The HTTP interface, <c>http://host:8123</c> (alias SLUICE_CLICKHOUSE): where tables are made and queries go; empty: off.</summary>
    public string Url { get; init; } = "";

    /// <summary>The database Sluice's tables live in (made if missing).</summary>
    public string Database { get; init; } = "sluice";

    /// <summary>The user Sluice writes and reads as.</summary>
    public string User { get; init; } = "default";

    /// <summary>Its password (a secret: never printed).</summary>
    public string Password { get; init; } = "";

    /// <summary>A <c>readonly</c> user that custom SQL runs as (users.xml, docs/configuration.md); empty: custom SQL on ClickHouse is refused.</summary>
    public string ReadUser { get; init; } = "";

    /// <summary>Its password (a secret: never printed).</summary>
    public string ReadPassword { get; init; } = "";

    /// <summary>
    /// The shards' HTTP interfaces, comma-separated, when the store is sharded: each holds the local tables, and
    /// <see cref="Url"/>'s server holds <c>Distributed</c> tables over <see cref="Cluster"/>. Empty: one server.
    /// </summary>
    public string Shards { get; init; } = "";

    /// <summary>The cluster name in the ClickHouse servers' <c>remote_servers</c> that the Distributed tables read.</summary>
    public string Cluster { get; init; } = "sluice";

    /// <summary>The shard (0-based) this node writes into; -1: chosen from the node id.</summary>
    public int Shard { get; init; } = -1;

    /// <summary>How long one ClickHouse call may take before it counts as failed, in ms.</summary>
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>Most events in one insert (ClickHouse prefers few large inserts to many small ones).</summary>
    public int BatchEvents { get; init; } = 50_000;

    /// <summary>How long a smaller batch waits for more events before it is inserted, in ms: how far behind the node ClickHouse may be.</summary>
    public int LingerMs { get; init; } = 1_000;

    /// <summary>Where questions are answered: <c>ClickHouse</c> (past the local window) or <c>Local</c>. Switched at runtime by <c>PUT /api/admin/features</c>.</summary>
    public ReadPath Reads { get; init; } = ReadPath.ClickHouse;

    /// <summary>
    /// A single node answers questions that lie wholly within the last this many minutes from its own store; anything
    /// older, and everything when several nodes share the store, is read from ClickHouse. 0: always ClickHouse.
    /// </summary>
    public int LocalWindowMinutes { get; init; } = 60;

    /// <summary>Custom SQL on ClickHouse: <c>max_execution_time</c>, in seconds.</summary>
    public int SqlMaxSeconds { get; init; } = 30;

    /// <summary>Custom SQL on ClickHouse: <c>max_memory_usage</c>, in MiB.</summary>
    public int SqlMaxMemoryMb { get; init; } = 1_024;
}

/// <summary>Fault injection for chaos tests and drills: <c>POST /api/admin/chaos</c> fails or slows a dependency for a while.</summary>
public sealed record ChaosOptions
{
    /// <summary>Off by default: the endpoint answers 404 <c>chaos_disabled</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary>Longest fault one request may inject, in seconds.</summary>
    public int MaxSeconds { get; init; } = 3_600;
}

/// <summary>The protocol a mirror (dual write) speaks to the other end.</summary>
public enum MirrorProtocol
{
    /// <summary>Another Sluice: NDJSON to <c>/api/logs/ingest</c> and <c>/api/traffic-logs</c>, keeping ids.</summary>
    Sluice,

    /// <summary>Loki's push API (<c>/loki/api/v1/push</c>, JSON).</summary>
    Loki,

    /// <summary>Elasticsearch's <c>_bulk</c> API.</summary>
    Elasticsearch,

    /// <summary>Seq's CLEF (<c>/api/events/raw?clef</c>).</summary>
    Clef,
}

/// <summary>Dual write for migrations (seeds 000 and 002): a share of acknowledged events is forwarded to another system too.</summary>
public sealed record MirrorOptions
{
    /// <summary>The other system's base URL; empty: off.</summary>
    public string Url { get; init; } = "";

    public MirrorProtocol Protocol { get; init; } = MirrorProtocol.Sluice;

    /// <summary>The share of events forwarded, 0–1, chosen by event id (so the same events on every retry).</summary>
    public double Share { get; init; } = 1.0;

    /// <summary>The API key sent to the other system (a secret: never printed).</summary>
    public string ApiKey { get; init; } = "";

    /// <summary>Most events in one request to the other system; 0: <c>Sinks:BatchEvents</c>.</summary>
    public int BatchEvents { get; init; }

    /// <summary>How long a smaller batch waits for more events before it is sent, in ms; 0: sent at once.</summary>
    public int LingerMs { get; init; }
}

/// <summary>Export and import (docs/export-import.md).</summary>
public sealed record ExportOptions
{
    /// <summary>Largest Parquet file an import takes (it is spooled to disk first: Parquet is read from its end), in MiB.</summary>
    public int MaxImportSpoolMb { get; init; } = 1024;

    /// <summary>Most export jobs running at once; one more is refused with 429 <c>too_many_exports</c>.</summary>
    public int MaxConcurrentJobs { get; init; } = 2;

    /// <summary>Most bytes all export jobs' files may hold on disk together, in MiB; past it a job fails and new ones get 507 <c>export_space_full</c>.</summary>
    public int MaxJobsMb { get; init; } = 10 * 1024;

    /// <summary>How long a finished job's file is kept for download, in minutes; then it is deleted.</summary>
    public int JobTtlMinutes { get; init; } = 24 * 60;
}
