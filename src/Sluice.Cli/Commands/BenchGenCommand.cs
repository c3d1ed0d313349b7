using System.Diagnostics;
using System.Text.Json;
using Sluice.Cli.Bench;
using Sluice.Core.Events;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice bench gen --events N --seed S --out FILE [--start ISO|now] [--hours H]</c>: the standard dataset as NDJSON.</summary>
public static class BenchGenCommand
{
    /// <summary>Default start: a fixed instant, so the same seed gives the same bytes on any day.</summary>
    public const string DefaultStart = "2026-01-01T00:00:00Z";

    public static async Task<int> RunAsync(CommandLine args)
    {
        var count = args.GetLong("events", 1_000_000);
        var seed = (ulong)args.GetLong("seed", 42);
        var output = args.Require("out");
        var startText = args.Get("start") ?? DefaultStart;
        var hours = args.GetLong("hours", 24);
        args.RejectUnknown();

        long start;
        if (startText == "now")
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            start = now - hours * 3_600_000;
        }
        else if (!Timestamps.TryParse(startText, out start))
        {
            throw new UsageException($"--start must be ISO-8601, epoch or 'now', not '{startText}'");
        }

        var watch = Stopwatch.StartNew();
        var dataset = new StandardDataset(seed, start, hours * 3_600_000);
        await using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            await using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            for (long i = 0; i < count; i++)
            {
                dataset.Write(json, i, count);
                await json.FlushAsync();
                file.WriteByte((byte)'\n');
                json.Reset();
            }
        }

        var bytes = new FileInfo(output).Length;
        Console.WriteLine($"wrote {count:N0} events ({bytes / Math.Max(count, 1)} B each, {bytes / 1e6:F1} MB) to {output} in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
