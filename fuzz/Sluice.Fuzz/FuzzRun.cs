using System.Diagnostics;

namespace Sluice.Fuzz;

/// <summary>What one run of a target found.</summary>
/// <param name="Inputs">Inputs run.</param>
/// <param name="Failures">Inputs that crashed the target or broke an invariant, with what happened.</param>
/// <param name="MaxAllocated">The most one input allocated, in bytes.</param>
/// <param name="MaxAllocatedPerByte">The most one input allocated per byte of input (inputs of 1 KiB and more).</param>
public sealed record FuzzReport(string Target, long Inputs, List<(byte[] Input, string Failure)> Failures, long MaxAllocated, double MaxAllocatedPerByte, TimeSpan Elapsed);

/// <summary>
/// Runs a target over its regression corpus and then over mutated inputs, measuring what each input allocates on
/// its thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), which must stay within the target's bound.
/// </summary>
public static class FuzzRun
{
    /// <summary>Largest mutated input: big enough for every expansion to show (the corpus replays bigger ones), small enough for a million a target.</summary>
    public const int MaxInputBytes = 16 * 1024;

    public static FuzzReport Run(FuzzTarget target, long inputs, int seed, IReadOnlyList<byte[]> corpus, int maxFailures = 20)
    {
        var pool = target.Seeds.Concat(corpus).ToList();
        var mutator = new Mutator(new Random(seed));
        var failures = new List<(byte[], string)>();
        long maxAllocated = 0;
        double maxPerByte = 0;
        var clock = Stopwatch.StartNew();
        long run = 0;
        foreach (var input in corpus.Concat(Generate(mutator, pool, inputs)))
        {
            run++;
            var before = GC.GetAllocatedBytesForCurrentThread();
            string? failure = null;
            try
            {
                target.Run(input);
            }
            catch (FuzzFailure e)
            {
                failure = e.Message;
            }
            catch (Exception e)
            {
                failure = $"crash: {e.GetType().Name}: {e.Message}";
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxAllocated = Math.Max(maxAllocated, allocated);
            if (input.Length >= 1024)
            {
                maxPerByte = Math.Max(maxPerByte, (double)allocated / input.Length);
            }

            if (failure is null && allocated > target.AllocationBound(input))
            {
                failure = $"allocated {allocated} bytes for {input.Length} bytes of input (bound {target.AllocationBound(input)})";
            }

            if (failure is not null)
            {
                failures.Add((input, failure));
                if (failures.Count >= maxFailures)
                {
                    break;
                }
            }
        }

        return new FuzzReport(target.Name, run, failures, maxAllocated, maxPerByte, clock.Elapsed);
    }

    private static IEnumerable<byte[]> Generate(Mutator mutator, List<byte[]> pool, long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return mutator.Next(pool, MaxInputBytes);
        }
    }

    /// <summary>The regression inputs kept for a target: every file under corpus/&lt;target&gt;/.</summary>
    public static List<byte[]> Corpus(string corpusRoot, string target)
    {
        var directory = Path.Combine(corpusRoot, target);
        return Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)] : [];
    }
}
