using System.Diagnostics;
using System.Text.RegularExpressions;
using Sluice.Cli.Client;
using Sluice.Cli.Ingest;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice ingest FILE|-</c>: sends a file of native NDJSON events, CLEF or plain text lines to the server in
/// batches over a few connections, showing progress. A file (not stdin) is resumable: the point through which the
/// server acknowledged every batch is kept (<see cref="IngestState"/>), a second run continues after it, and the ids
/// given to events without one make a batch resent after an interruption a duplicate the server drops.
/// </summary>
internal static class IngestCommand
{
    private const int MaxRefusedShown = 50;

    public static async Task<int> RunAsync(CommandLine args)
    {
        var path = args.RequirePositional(0, "the file to ingest (or - for stdin)");
        var formatOption = args.Get("format") is { } f ? IngestFormats.Parse(f) : (IngestFormat?)null;
        var levelText = args.Get("level-pattern") ?? EventEncoder.DefaultLevelPattern;
        var service = args.Get("service");
        var properties = args.GetAll("property").Select(ParseProperty).ToList();
        var batchSize = (int)Math.Clamp(args.GetLong("batch", 1000), 1, 100_000);
        var connections = (int)Math.Clamp(args.GetLong("connections", 4), 1, 64);
        var rate = args.GetLong("rate", 0);
        var retries = (int)Math.Min(args.GetLong("retries", 5), 1000);
        var restart = args.Flag("restart");
        var maxLineBytes = (int)Math.Clamp(args.GetLong("max-line-bytes", 1 << 20), 1024, 64 << 20);
        var progressSeconds = Math.Max(1, args.GetLong("progress-seconds", 5));
        using var client = Connection.Open(args);
        args.RejectUnknown();

        Regex levelPattern;
        try
        {
            levelPattern = new Regex(levelText, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--level-pattern is not a valid regular expression: {e.Message}");
        }

        if (!levelPattern.GetGroupNames().Contains("level"))
        {
            throw new UsageException("--level-pattern needs a named group (?<level>…) (and may have (?<timestamp>…))");
        }

        if ((service is not null || properties.Count > 0 || args.Get("level-pattern") is not null) && formatOption is not (null or IngestFormat.Plain))
        {
            throw new UsageException("--service, --property and --level-pattern apply to --format plain");
        }

        // Where an earlier run stopped, for a file.
        var fromStdin = path == "-";
        string? stateFile = null;
        IngestState? resume = null;
        string? identity = null;
        string? headHash = null;
        if (fromStdin)
        {
            await Console.Error.WriteLineAsync("sluice ingest: reading stdin (not resumable: an interrupted run cannot continue; send a file for that)");
        }
        else
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new CommandFailedException(ExitCodes.Usage, $"no file {path}");
            }

            headHash = IngestState.HashHead(full);
            identity = full + "\n" + headHash;
            stateFile = IngestState.StateFile(Path.Combine(Path.GetDirectoryName(ProfileStore.ForUser().FilePath)!, "ingest"), full);
            resume = restart ? null : IngestState.Load(stateFile);
            if (resume is not null && (resume.Path != full || resume.HeadHash != headHash || new FileInfo(full).Length < resume.Size))
            {
                await Console.Error.WriteLineAsync($"sluice ingest: {path} is not the file an earlier run read (its start or size differs); starting from the beginning");
                resume = null;
            }

            if (resume is not null)
            {
                await Console.Error.WriteLineAsync($"sluice ingest: resuming {path} after line {resume.Line:N0} ({resume.Events:N0} events acked by an earlier run; --restart starts over)");
            }
        }

        using var input = InputSource.Open(path, resume?.Offset ?? 0);
        var resumedBySeek = input.Compression == "none" && resume is { Offset: > 0 } && !fromStdin;
        var reader = new LineReader(input.Decoded, maxLineBytes, resumedBySeek ? resume!.Offset : 0);
        var counters = new IngestCounters();
        using var interrupt = Interrupt.OnCtrlC();
        var run = new IngestRun(client, reader, counters, formatOption, levelPattern, service, properties, identity, batchSize, connections, rate, retries,
            resume, resumedBySeek, stateFile, headHash, path, input);
        var started = Stopwatch.GetTimestamp();
        IngestOutcome outcome;
        try
        {
            outcome = await IngestProgress.WatchAsync(run.ExecuteAsync(interrupt.Token), counters, () => input.RawBytesRead, input.Length, TimeSpan.FromSeconds(progressSeconds));
        }
        catch (CommandFailedException e) when (!fromStdin)
        {
            throw new CommandFailedException(e.ExitCode, $"{e.Message}\nsluice ingest: the server acknowledged {path} through line {run.SavedLine:N0}; run the same command again to continue");
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (!IngestProgress.Interactive)
        {
            await Console.Error.WriteLineAsync(IngestProgress.Line(counters, input.RawBytesRead, input.Length, (counters.Acked / Math.Max(seconds, 0.001)).ToString("N0")));
        }

        foreach (var refused in outcome.Refused.Take(MaxRefusedShown))
        {
            await Console.Error.WriteLineAsync($"sluice ingest: line {refused.Line}: refused: {refused.Reason}");
        }

        if (counters.Refused > MaxRefusedShown)
        {
            await Console.Error.WriteLineAsync($"sluice ingest: … and {counters.Refused - MaxRefusedShown:N0} more refused lines");
        }

        if (outcome.Interrupted)
        {
            await Console.Error.WriteLineAsync(fromStdin
                ? "sluice ingest: interrupted (stdin cannot be resumed)"
                : $"sluice ingest: interrupted after line {outcome.ResumeLine:N0}; run the same command again to continue");
            return ExitCodes.Interrupted;
        }

        Console.WriteLine($"ingested {counters.Acked:N0} events ({outcome.Format.ToString().ToLowerInvariant()}, {input.Compression}) from {counters.Lines:N0} lines in {seconds:F1} s, {counters.Acked / Math.Max(seconds, 0.001):N0} events/s; {counters.Refused:N0} refused");
        return counters.Refused > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }

    private static KeyValuePair<string, string> ParseProperty(string text)
    {
        var eq = text.IndexOf('=');
        return eq > 0 ? new(text[..eq], text[(eq + 1)..]) : throw new UsageException($"--property takes NAME=VALUE, not '{text}'");
    }
}
