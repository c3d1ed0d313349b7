using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Sluice.Admission;
using Sluice.Admission.Alerts;
using Sluice.Admission.Dedup;
using Sluice.Admission.Quotas;
using Sluice.Admission.Privacy;
using Sluice.Cli.Bench;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Benchmarks;

/// <summary>
/// Admission of one parsed 1,000-event batch of the standard dataset (half logs, half traffic; timestamps, no ids):
/// nothing on; the defaults (duplicate filter by content, volume monitor); every rule on with limits never reached
/// (global, each system, trace, domain, api key, client); and the same rules while a domain is being sampled.
/// The clock moves a minute per call, so the duplicate filter sees new content rather than repeats.
/// </summary>
[MemoryDiagnoser]
public class AdmissionBenchmarks
{
    private const int Events = 1000;
    private const string AllRules = "global:1000000000/1h; system=browser:400000000/1h; system=worker:300000000/1h; system=backend:300000000/1h; trace:100000000/1h; domain:1000000000/1h:sample; api_key:1000000000/1h; ip:1000000000/1h";
    private readonly RequestIdentity _who = new("0123456789ab", "00ff00ff00ff00ff");
    private EventBatchBuilder _batch = null!;
    private BatchAdmission _off = null!;
    private BatchAdmission _defaults = null!;
    private BatchAdmission _all = null!;
    private BatchAdmission _sampling = null!;
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

        var monitor = new VolumeMonitor(new AlertOptions { VolumeMinEventsPerMinute = int.MaxValue }, _ => { });
        _off = new BatchAdmission(new QuotaBook([]), null, null);
        _defaults = new BatchAdmission(new QuotaBook([]), new DuplicateFilter(new DedupOptions()), monitor);
        _all = new BatchAdmission(Book(AllRules), new DuplicateFilter(new DedupOptions()), monitor);
        _sampling = new BatchAdmission(Book(AllRules.Replace("domain:1000000000/1h:sample", "domain:10/1h:sample", StringComparison.Ordinal)), new DuplicateFilter(new DedupOptions()), monitor);
    }

    [Benchmark(Baseline = true, Description = "admit 1000: nothing on")]
    public int Off() => Admit(_off);

    [Benchmark(Description = "admit 1000: defaults (dedup by content, volume)")]
    public int Defaults() => Admit(_defaults);

    [Benchmark(Description = "admit 1000: every rule on, none reached")]
    public int AllRulesOn() => Admit(_all);

    [Benchmark(Description = "admit 1000: every rule on, traffic sampled")]
    public int WhileSampling() => Admit(_sampling);

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
