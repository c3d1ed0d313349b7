using System.Diagnostics;

namespace Sluice.Cli.Bench;

/// <summary>Times a query the way every bench query figure is taken: one warm-up run (its result is shown), then the median of N.</summary>
public static class MedianTimer
{
    public static void Print(string name, int runs, Func<string> run, int width = 68)
    {
        var result = run();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        Console.WriteLine($"{name.PadRight(width)} median {Median(times),9:F1} ms   ({result})");
    }

    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
