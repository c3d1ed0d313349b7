using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Admission.Privacy;
using Sluice.Cli.Bench;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Storage.Hot;
using Sluice.Storage.IO;
using Sluice.Storage.Wal;

namespace Sluice.Benchmarks;

/// <summary>
/// The CPU stages of one ingest request, on 1,000 events of the standard dataset (one NDJSON body):
/// parse + admit into rows, CRC of the WAL payload, and the hot-tier apply done on the WAL writer thread.
/// </summary>
[MemoryDiagnoser]
public class IngestPathBenchmarks
{
    private const int Events = 1000;
    private readonly IngestLimits _limits = new();
    private readonly KeyedIpHasher _hasher = new(new byte[32]);
    private readonly EventIdGenerator _ids = new();
    private byte[] _body = [];
    private byte[] _rows = [];
    private EventBatchBuilder _batch = null!;
    private EventParser _parser = null!;
    private long _seq = 1;

    [GlobalSetup]
    public void Setup()
    {
        var dataset = new StandardDataset(42, 1_767_225_600_000, 3_600_000);
        _body = dataset.NdjsonBody(Events);
        _batch = new EventBatchBuilder(_body.Length);
        _parser = new EventParser(_limits, _hasher, _ids);
        Parse();
        _rows = _batch.Rows.ToArray();
    }

    [Benchmark(Description = "parse+admit 1000 events")]
    public int Parse()
    {
        _batch.Clear();
        var result = EventBodyParser.Parse(_body, BodyShape.Auto, _parser, _batch, new ParseContext(EventKind.Log, 1_767_225_600_000), _limits);
        return result.Accepted;
    }

    [Benchmark(Description = "crc32c of the 1000-event payload")]
    public uint Crc() => Crc32C.Compute(_rows);

    [Benchmark(Description = "hot-tier apply 1000 rows")]
    public long HotApply()
    {
        var tier = Tier;
        tier.Apply(new WalRecord(_seq, Events, _rows));
        _seq += Events;
        return tier.RowCount;
    }

    private HotTier Tier { get; } = new(new HotTierOptions { MaxBytes = 64L * 1024 * 1024, ChunkBytes = 8 * 1024 * 1024 }, WalOnlyChunkSink.Instance, NullLogger.Instance);

}
