namespace Sluice.Cli.Bench;

/// <summary>A tiny seeded generator whose sequence is fixed by its definition, not by a runtime version.</summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Below(int n) => (int)(Next() % (ulong)n);

    /// <summary>Uniform in [0, 1).</summary>
    public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Skewed toward small values: index i has weight about 1/(i+1) (Zipf, s = 1).</summary>
    public int Zipf(int n) => Math.Min(n - 1, (int)Math.Floor(Math.Exp(Unit() * Math.Log(n + 1)) - 1));
}
