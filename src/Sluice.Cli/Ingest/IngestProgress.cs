using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Sluice.Cli.Ingest;

/// <summary>
/// Shows an ingest while it runs: a Spectre progress bar with the rate on an interactive terminal; otherwise (a
/// pipe, a file, CI) one plain line on stderr every few seconds, which logs keep readably.
/// </summary>
internal static class IngestProgress
{
    public static bool Interactive => !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Shows progress until <paramref name="work"/> ends, then returns its result.</summary>
    public static async Task<T> WatchAsync<T>(Task<T> work, IngestCounters counters, Func<long> rawBytes, long? totalBytes, TimeSpan plainEvery)
    {
        var started = Stopwatch.GetTimestamp();
        string Rate() => (counters.Acked / Math.Max(Stopwatch.GetElapsedTime(started).TotalSeconds, 0.001)).ToString("N0", CultureInfo.InvariantCulture);
        if (Interactive)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("ingest", maxValue: totalBytes ?? 1);
                    task.IsIndeterminate = totalBytes is null;
                    while (!work.IsCompleted)
                    {
                        task.Value = Math.Min(rawBytes(), totalBytes ?? 0);
                        task.Description = $"{counters.Acked:N0} events, {Rate()}/s";
                        await Task.WhenAny(work, Task.Delay(200));
                    }

                    task.Value = totalBytes ?? 1;
                    task.Description = $"{counters.Acked:N0} events, {Rate()}/s";
                });
            return await work;
        }

        while (!work.IsCompleted)
        {
            if (await Task.WhenAny(work, Task.Delay(plainEvery)) != work)
            {
                await Console.Error.WriteLineAsync(Line(counters, rawBytes(), totalBytes, Rate()));
            }
        }

        return await work;
    }

    /// <summary><c>sluice ingest: 120,000 lines read, 119,000 events acked, 0 refused, 41,202 events/s, 37%</c>.</summary>
    public static string Line(IngestCounters counters, long rawBytes, long? totalBytes, string rate) =>
        $"sluice ingest: {counters.Lines:N0} lines read, {counters.Acked:N0} events acked, {counters.Refused:N0} refused, {rate} events/s"
        + (totalBytes is > 0 ? $", {Math.Min(100, 100 * rawBytes / totalBytes.Value)}%" : "");
}
