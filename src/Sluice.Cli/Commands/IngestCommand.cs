using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
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
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var run = new Run(client, reader, counters, formatOption, levelPattern, service, properties, identity, batchSize, connections, rate,
                resume, resumedBySeek, stateFile, headHash, path, input);
            var started = Stopwatch.GetTimestamp();
            var outcome = await IngestProgress.WatchAsync(run.ExecuteAsync(cancel.Token), counters, () => input.RawBytesRead, input.Length, TimeSpan.FromSeconds(progressSeconds));
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
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static KeyValuePair<string, string> ParseProperty(string text)
    {
        var eq = text.IndexOf('=');
        return eq > 0 ? new(text[..eq], text[(eq + 1)..]) : throw new UsageException($"--property takes NAME=VALUE, not '{text}'");
    }

    private sealed record Outcome(IngestFormat Format, List<RefusedLine> Refused, bool Interrupted, long ResumeLine);

    /// <summary>One ingest: a reader filling batches, and <c>connections</c> senders posting them.</summary>
    private sealed class Run(
        SluiceClient client, LineReader reader, IngestCounters counters, IngestFormat? formatOption, Regex levelPattern, string? service,
        List<KeyValuePair<string, string>> properties, string? identity, int batchSize, int connections, long rate,
        IngestState? resume, bool resumedBySeek, string? stateFile, string? headHash, string path, InputSource input)
    {
        private readonly List<RefusedLine> _refused = [];
        private readonly Lock _saving = new();
        private long _lastSave;

        private readonly List<(LineRead Kind, byte[] Bytes)> _pending = [];
        private int _pendingIndex;
        private long _line;
        private IngestFormat _format;
        private EventEncoder? _encoder;

        public async Task<Outcome> ExecuteAsync(CancellationToken interrupt)
        {
            await Task.Yield();
            var events = resume?.Events ?? 0;
            Prepare();
            var watermark = new AckWatermark(_line, reader.Offset);
            var sender = new BatchSender(client, _format);
            var channel = Channel.CreateBounded<IngestBatch>(connections * 2);
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
            var senders = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
            {
                await foreach (var batch in channel.Reader.ReadAllAsync(failed.Token))
                {
                    var (refusedCount, refused) = batch.Events == 0 ? (0, []) : await sender.SendAsync(batch, failed.Token);
                    counters.BatchDone(batch.Events, refusedCount);
                    lock (_refused)
                    {
                        _refused.AddRange(refused);
                    }

                    var total = Interlocked.Add(ref events, batch.Events - refusedCount);
                    if (watermark.Complete(batch.Sequence, batch.EndLine, batch.EndOffset, out var point))
                    {
                        Save(point, total, force: false);
                    }
                }
            }, failed.Token)).ToList();

            var started = Stopwatch.GetTimestamp();
            long sequence = 0;
            long produced = 0;
            try
            {
                var more = true;
                while (more)
                {
                    var batch = new IngestBatch(sequence++);
                    more = Fill(batch);
                    produced += batch.Events;
                    await channel.Writer.WriteAsync(batch, failed.Token);
                    await PaceAsync(produced, started, failed.Token);
                }

                channel.Writer.TryComplete();
                await WhenAllFailFast(senders, failed);
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
                await Task.WhenAll(senders.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
                Save(watermark.Point, Interlocked.Read(ref events), force: true);
                return new Outcome(_format, Sorted(), Interrupted: true, watermark.Point.Line);
            }
            catch (CommandFailedException)
            {
                Save(watermark.Point, Interlocked.Read(ref events), force: true);
                throw;
            }

            Save(watermark.Point, Interlocked.Read(ref events), force: true);
            return new Outcome(_format, Sorted(), Interrupted: false, watermark.Point.Line);

            List<RefusedLine> Sorted()
            {
                lock (_refused)
                {
                    return [.. _refused.OrderBy(r => r.Line)];
                }
            }
        }

        /// <summary>Skips what an earlier run sent (when the input could not be sought) and settles the format.</summary>
        private void Prepare()
        {
            if (resume is not null && !resumedBySeek)
            {
                while (_line < resume.Line && reader.Next(out _) != LineRead.End)
                {
                    _line++;
                }
            }
            else
            {
                _line = resume?.Line ?? 0;
            }

            var format = resume is not null ? IngestFormats.Parse(resume.Format) : formatOption;
            while (format is null && reader.Next(out var first) is var kind && kind != LineRead.End)
            {
                // Detect from the first non-empty line; hold what was read to send it too.
                _pending.Add((kind, first.ToArray()));
                if (kind == LineRead.Line && !first.Trim(" \t"u8).IsEmpty)
                {
                    format = IngestFormats.Detect(first);
                }
            }

            _format = format ?? IngestFormat.Ndjson;
            _encoder = new EventEncoder(_format, identity, levelPattern, service, properties);
        }

        /// <summary>Reads lines into the batch until it is full; false once the input has ended.</summary>
        private bool Fill(IngestBatch batch)
        {
            while (true)
            {
                LineRead kind;
                ReadOnlySpan<byte> text;
                if (_pendingIndex < _pending.Count)
                {
                    kind = _pending[_pendingIndex].Kind;
                    text = _pending[_pendingIndex++].Bytes;
                }
                else
                {
                    kind = reader.Next(out text);
                }

                if (kind == LineRead.End)
                {
                    batch.EndLine = _line;
                    batch.EndOffset = reader.Offset;
                    return false;
                }

                _line++;
                counters.LineRead();
                if (kind == LineRead.TooLong)
                {
                    counters.LocalRefusal();
                    lock (_refused)
                    {
                        _refused.Add(new RefusedLine(_line, "longer than --max-line-bytes; not sent"));
                    }
                }
                else if (!text.Trim(" \t"u8).IsEmpty)
                {
                    _encoder!.Encode(text, _line, batch.Body);
                    batch.LineNumbers.Add(_line);
                }

                if (batch.Events >= batchSize || batch.Body.WrittenCount >= 8 << 20)
                {
                    batch.EndLine = _line;

                    // While lines read to detect the format are still being sent, the reader is ahead of them.
                    batch.EndOffset = _pendingIndex < _pending.Count ? 0 : reader.Offset;
                    return true;
                }
            }
        }

        /// <summary>Waits for every sender; the first that fails stops the others, and its error is the command's.</summary>
        private static async Task WhenAllFailFast(List<Task> senders, CancellationTokenSource failed)
        {
            var remaining = senders.ToList();
            while (remaining.Count > 0)
            {
                var done = await Task.WhenAny(remaining);
                remaining.Remove(done);
                if (done.IsFaulted)
                {
                    await failed.CancelAsync();
                    await Task.WhenAll(remaining.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
                    await done;
                }
            }
        }

        private async Task PaceAsync(long produced, long started, CancellationToken cancel)
        {
            if (produced == 0 || rate <= 0)
            {
                return;
            }

            var due = TimeSpan.FromSeconds((double)produced / rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancel);
            }
        }

        private void Save((long Line, long Offset) point, long events, bool force)
        {
            if (stateFile is null)
            {
                return;
            }

            lock (_saving)
            {
                var now = Stopwatch.GetTimestamp();
                if (!force && Stopwatch.GetElapsedTime(_lastSave, now) < TimeSpan.FromMilliseconds(250))
                {
                    return;
                }

                _lastSave = now;
                new IngestState(Path.GetFullPath(path), headHash!, input.Length ?? 0, _format.ToString().ToLowerInvariant(), point.Line, point.Offset, events).Save(stateFile);
            }
        }
    }
}
