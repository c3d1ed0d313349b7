using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Analysis.Monitors;
using Sluice.Core.Events;
using Sluice.Core.Time;

namespace Sluice.Benchmarks;

/// <summary>
/// 1,000 monitors with 35 days of hourly history: the ingest-side cost (a batch of 1,000 traffic rows counted into
/// the monitors they match), one evaluation of all of them (baselines from buckets, status), and the save of
/// <c>monitors.json</c> (once an hour or on a status change). <see cref="Indexed"/> false gives every monitor a
/// wildcard domain, so only <c>decision:block</c>, shared by all, could file it: each blocked row meets every predicate.
/// </summary>
[MemoryDiagnoser]
public class MonitorBenchmarks
{
    private const long Hour = 3_600_000;
    private const int Monitors = 1_000;
    private static readonly long Now = 1_767_225_600_000 + (40 * 24 * Hour);

    private string _dir = "";
    private MonitorBook _book = null!;
    private byte[] _batch = [];

    [Params(true, false)]
    public bool Indexed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("sluice-bench-monitors-").FullName;
        var clock = new FixedClock(Now - (36 * 24 * Hour));
        _book = new MonitorBook(clock, Path.Combine(_dir, "monitors.json"), 35, Monitors, null, NullLogger.Instance);
        for (var i = 0; i < Monitors; i++)
        {
            var query = Indexed ? $"kind:traffic decision:block domain:d{i}.example" : $"kind:traffic decision:block domain:d{i}.exam*";
            var spec = new MonitorSpec { Name = $"m{i}", Query = query, Baseline = new() { Kind = BaselineKind.MedianMad, Days = 28 } };
            _book.Put(null, spec, default); // saves the file: history is filled after, or setup grows quadratic
        }

        var n = 0;
        foreach (var monitor in _book.All())
        {
            for (var h = Now - (35 * 24 * Hour); h < Now; h += Hour)
            {
                monitor.Buckets.AddHour(h, 100 + (n % 50));
            }

            n++;
        }

        clock.Set(Now);

        // Half the rows hit a monitored domain, half one that none watches.
        using var builder = new EventBatchBuilder();
        var random = new Random(42);
        for (var r = 0; r < 1_000; r++)
        {
            builder.BeginRow();
            builder.WriteString(FieldTag.Domain, Encoding.UTF8.GetBytes($"d{random.Next(Monitors * 2)}.example"));
            builder.WriteString(FieldTag.Path, "/checkout"u8);
            builder.WriteString(FieldTag.Decision, "block"u8);
            builder.EndRow(Now - 1_000 + r, EventKind.Traffic, EventLevel.Info);
        }

        _batch = builder.Rows.ToArray();
        _book.Evaluate(); // the statuses leave no-data here: later evaluations change nothing, as most minutes
    }

    [Benchmark(Description = "count a batch of 1,000 rows")]
    public void Observe() => _book.Observer.Observe(_batch, 1_000);

    [Benchmark(Description = "evaluate 1,000 monitors")]
    public int Evaluate() => _book.Evaluate().Count;

    [Benchmark(Description = "save 1,000 monitors (hourly, or on a status change)")]
    public void Save() => _book.Save();

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>A clock set by the benchmark: history is filled "in the past", then time jumps to now.</summary>
    private sealed class FixedClock(long ms) : IClock
    {
        public long UnixMilliseconds { get; private set; } = ms;

        public void Set(long ms) => UnixMilliseconds = ms;
    }
}
