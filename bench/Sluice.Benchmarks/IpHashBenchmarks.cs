using System.Text;
using BenchmarkDotNet.Attributes;
using Sluice.Admission.Privacy;

namespace Sluice.Benchmarks;

/// <summary>Keyed IP hashing when the per-thread cache misses: 1,000 addresses never seen before per operation.</summary>
[MemoryDiagnoser]
public class IpHashBenchmarks
{
    private readonly KeyedIpHasher _hasher = new(new byte[32]);
    private readonly byte[] _hash = new byte[16];
    private byte[][] _addresses = [];
    private int _next;

    [GlobalSetup]
    public void Setup() =>
        _addresses = [.. Enumerable.Range(0, 1 << 20).Select(i => Encoding.ASCII.GetBytes($"{10 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.7"))];

    [Benchmark(Description = "ip hash, 1000 distinct addresses (cache misses)")]
    public byte HashDistinct()
    {
        for (var i = 0; i < 1000; i++)
        {
            _hasher.Hash(_addresses[_next], _hash);
            _next = (_next + 1) & ((1 << 20) - 1);
        }

        return _hash[0];
    }

    [Benchmark(Description = "one-shot HMACSHA256.HashData × 1000 (the first build's way)")]
    public byte OneShotHmac()
    {
        Span<byte> mac = stackalloc byte[32];
        for (var i = 0; i < 1000; i++)
        {
            System.Security.Cryptography.HMACSHA256.HashData(_key, _addresses[_next], mac);
            _next = (_next + 1) & ((1 << 20) - 1);
        }

        return mac[0];
    }

    private readonly byte[] _key = new byte[32];
}
