using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Admission;
using Sluice.Admission.Alerts;
using Sluice.Admission.Privacy;
using Sluice.Admission.Quotas;
using Sluice.Cli.Bench;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Ingest.Json;
using Sluice.Redis;
using Sluice.Redis.Quotas;

namespace Sluice.Benchmarks;

/// <summary>
/// Admission of one parsed 1,000-event batch of the standard dataset with quotas counted on this node against
/// counted on a real Redis shared by the nodes (one script call per batch): every rule of
/// <see cref="AdmissionBenchmarks"/> on, none reached (the usual case: one call adds the batch); with a limit that
/// every batch reaches (the exact walk: a second call counts event by event); and with a limit used up (every event
/// refused — by the node alone once it has seen the limit full, without a call). The shared duplicate
/// window is measured end to end (bench/admission.sh): its keys live by Redis's clock, so a micro-benchmark resending
/// one batch would only measure duplicates. Redis: <c>SLUICE_BENCH_REDIS</c>, default
/// <c>redis://127.0.0.1:16379</c> (scripts/redis.sh), under a key prefix of the run's own. On this 2-core machine
/// Redis shares the cores with the benchmark, as it would with a node.
/// </summary>
[MemoryDiagnoser]
public class SharedQuotaBenchmarks
{
    private const int Events = 1000;

    /// <summary>
    /// The same rules but a global limit of one event a minute: the clock moves a minute per call, so each batch
    /// opens a new one-minute window and reaches its limit at the first event (999 refused).
    /// </summary>
    private const string ReachedRules = "global:1/1m; system=browser:400000000/1h; system=worker:300000000/1h; system=backend:300000000/1h; trace:100000000/1h; domain:1000000000/1h:sample; api_key:1000000000/1h; ip:1000000000/1h";
    /// <summary>The same rules but a global limit of one event a week: used up by the first call of the run.</summary>
    private const string UsedUpRules = "global:1/7d; system=browser:400000000/1h; system=worker:300000000/1h; system=backend:300000000/1h; trace:100000000/1h; domain:1000000000/1h:sample; api_key:1000000000/1h; ip:1000000000/1h";

    private const string AllRules = "global:1000000000/1h; system=browser:400000000/1h; system=worker:300000000/1h; system=backend:300000000/1h; trace:100000000/1h; domain:1000000000/1h:sample; api_key:1000000000/1h; ip:1000000000/1h";
    private readonly RequestIdentity _who = new("0123456789ab", "00ff00ff00ff00ff");
    private EventBatchBuilder _batch = null!;
    private RedisConnection _redis = null!;
    private BatchAdmission _local = null!;
    private BatchAdmission _shared = null!;
    private BatchAdmission _localReached = null!;
    private BatchAdmission _sharedReached = null!;
    private BatchAdmission _localUsedUp = null!;
    private BatchAdmission _sharedUsedUp = null!;
    private long _now = 1_767_225_600_000;

    [GlobalSetup]
    public void Setup()
    {
        var dataset = new StandardDataset(42, _now, 3_600_000);
        var body = dataset.NdjsonBody(Events);
        var limits = new IngestLimits();
        _batch = new EventBatchBuilder(body.Length);
        using var parser = new EventParser(limits, new KeyedIpHasher(new byte[32]), new EventIdGenerator());
        EventBodyParser.Parse(body, BodyShape.Auto, parser, _batch, new ParseContext(EventKind.Log, _now), limits);

        var url = Environment.GetEnvironmentVariable("SLUICE_BENCH_REDIS") is { Length: > 0 } u ? u : "redis://127.0.0.1:16379";
        var options = new RedisOptions { Url = url, KeyPrefix = "bench" + Guid.NewGuid().ToString("N")[..8] + ":" };
        _redis = new RedisConnection(options, new Dependencies(new BreakerOptions()), NullLogger.Instance);
        var monitor = new VolumeMonitor(new AlertOptions { VolumeMinEventsPerMinute = int.MaxValue }, _ => { });
        _local = new BatchAdmission(Book(AllRules), LocalQuotaCounters.Exact, null, monitor);
        (_shared, var shared) = SharedAdmission(monitor, AllRules);
        _localReached = new BatchAdmission(Book(ReachedRules), LocalQuotaCounters.Exact, null, monitor);
        (_sharedReached, var sharedReached) = SharedAdmission(monitor, ReachedRules);
        _localUsedUp = new BatchAdmission(Book(UsedUpRules), LocalQuotaCounters.Exact, null, monitor);
        (_sharedUsedUp, var sharedUsedUp) = SharedAdmission(monitor, UsedUpRules);

        // The shared admissions must really count on Redis, not on their fallback.
        Admit(_shared);
        Admit(_sharedReached);
        Admit(_sharedUsedUp);
        Admit(_localUsedUp);
        foreach (var counters in new[] { shared, sharedReached, sharedUsedUp })
        {
            if (!counters.Mode.IsShared || counters.LocalEvents > 0 || counters.SharedEvents == 0)
            {
                throw new InvalidOperationException($"Redis did not count the batch: {counters.Mode.Reason}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _redis.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "admit 1000, every rule on, none reached: local quotas")]
    public int Local() => Admit(_local);

    [Benchmark(Description = "admit 1000, every rule on, none reached: shared quotas on Redis")]
    public int Shared() => Admit(_shared);

    [Benchmark(Description = "admit 1000, global limit reached by each batch: local quotas")]
    public int LocalReached() => Admit(_localReached);

    [Benchmark(Description = "admit 1000, global limit reached by each batch: shared quotas on Redis")]
    public int SharedReached() => Admit(_sharedReached);

    [Benchmark(Description = "admit 1000, global limit used up: local quotas")]
    public int LocalUsedUp() => Admit(_localUsedUp);

    [Benchmark(Description = "admit 1000, global limit used up: shared quotas on Redis")]
    public int SharedUsedUp() => Admit(_sharedUsedUp);

    private (BatchAdmission Admission, SharedQuotaCounters Counters) SharedAdmission(VolumeMonitor monitor, string rules)
    {
        var book = Book(rules);
        var counters = new SharedQuotaCounters(_redis, () => book, 1, NullLogger.Instance);
        return (new BatchAdmission(book, counters, null, monitor), counters);
    }

    private int Admit(BatchAdmission admission)
    {
        _now += 61_000;
        using var admitted = admission.AdmitAsync(_batch, _who, _now, TimeSpan.FromSeconds(1), CancellationToken.None).AsTask().GetAwaiter().GetResult()!;
        var stored = admitted.Rows.Count;
        admitted.Commit();
        return stored;
    }

    private static QuotaBook Book(string rules)
    {
        var errors = new List<string>();
        var book = new QuotaBook(QuotaRule.ParseList(rules, errors));
        return errors.Count == 0 ? book : throw new InvalidOperationException(string.Join("; ", errors));
    }
}
