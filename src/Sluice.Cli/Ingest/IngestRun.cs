using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Sluice.Cli.Client;

namespace Sluice.Cli.Ingest;

/// <summary>How an ingest ended: the format used, the refused lines, and where a resumed run would continue.</summary>
internal sealed record IngestOutcome(IngestFormat Format, List<RefusedLine> Refused, bool Interrupted, long ResumeLine);

/// <summary>One ingest: a reader filling batches, and <c>connections</c> senders posting them.</summary>
internal sealed class IngestRun(
    SluiceClient client, LineReader reader, IngestCounters counters, IngestFormat? formatOption, Regex levelPattern, string? service,
    List<KeyValuePair<string, string>> properties, string? identity, int batchSize, int connections, long rate, int retries,
    IngestState? resume, bool resumedBySeek, string? stateFile, string? headHash, string path, InputSource input)
{
    private readonly List<RefusedLine> _refused = [];
    private readonly Lock _saving = new();
    private long _lastSave;
    private long _savedLine;

    /// <summary>The input line through which the server acknowledged everything, as last written to the state file.</summary>
    public long SavedLine => Interlocked.Read(ref _savedLine);

    private readonly List<(LineRead Kind, byte[] Bytes)> _pending = [];
    private int _pendingIndex;
    private long _line;
    private IngestFormat _format;
    private EventEncoder? _encoder;

    public async Task<IngestOutcome> ExecuteAsync(CancellationToken interrupt)
    {
        await Task.Yield();
        var events = resume?.Events ?? 0;
        Prepare();
        var watermark = new AckWatermark(_line, reader.Offset);
        var sender = new BatchSender(client, _format, retries);
        var channel = Channel.CreateBounded<IngestBatch>(connections * 2);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        var senders = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            try
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
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One sender's failure ends the run: the others and the reader stop rather than send on.
                await failed.CancelAsync();
                throw;
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
            await Task.WhenAll(senders);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            channel.Writer.TryComplete();
            await Task.WhenAll(senders.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
            Save(watermark.Point, Interlocked.Read(ref events), force: true);
            return new IngestOutcome(_format, Sorted(), Interrupted: true, watermark.Point.Line);
        }
        catch (Exception e) when (e is CommandFailedException or OperationCanceledException)
        {
            // A sender failed (and stopped the rest): keep what was acknowledged, and fail with the sender's error.
            channel.Writer.TryComplete();
            await Task.WhenAll(senders.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
            Save(watermark.Point, Interlocked.Read(ref events), force: true);
            if (senders.FirstOrDefault(s => s.IsFaulted) is { } faulted)
            {
                await faulted;
            }

            throw;
        }

        Save(watermark.Point, Interlocked.Read(ref events), force: true);
        return new IngestOutcome(_format, Sorted(), Interrupted: false, watermark.Point.Line);

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
            Interlocked.Exchange(ref _savedLine, point.Line);
            new IngestState(Path.GetFullPath(path), headHash!, input.Length ?? 0, _format.ToString().ToLowerInvariant(), point.Line, point.Offset, events).Save(stateFile);
        }
    }
}
