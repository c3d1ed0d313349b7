using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Storage.IO;

namespace Sluice.Storage.Wal;

/// <summary>What recovery found: where appending resumes and what was cut from a torn tail.</summary>
internal sealed record WalRecoveryResult(long NextSeq, long LastSegment, long LastSegmentLength, int Records, long Events, long TruncatedBytes)
{
    /// <summary>Sequence number of the last event found in the log (0 if none), before the persisted point is applied.</summary>
    public long LastLoggedSeq { get; init; }

    /// <summary>Each segment before the last, with the sequence number of its last event: what trimming needs.</summary>
    public IReadOnlyList<(long Number, long LastSeq)> ClosedSegments { get; init; } = [];
}

/// <summary>
/// Replays every intact record in log order and cuts a torn tail off the last segment. A record counts only if
/// its header CRC, its payload CRC, its sequence continuity and its row structure all check out; the first one
/// that does not ends the log. Damage before the last segment is not a torn write and stops start-up instead.
/// Segments whose events are all in sealed partitions are trimmed away, so the first record may start past 1; it
/// must not start past <c>persistedThroughSeq + 1</c>, or events were lost between the partitions and the log.
/// </summary>
internal static class WalRecovery
{
    public static WalRecoveryResult Run(string directory, IWalConsumer consumer, ILogger logger, long persistedThroughSeq = 0)
    {
        Directory.CreateDirectory(directory);
        var segments = ListSegments(directory);
        var closed = new List<(long Number, long LastSeq)>();
        long nextSeq = -1, records = 0, events = 0, truncated = 0;
        long lastSegment = 0, lastLength = 0;
        byte[] payload = new byte[64 * 1024];
        Span<byte> header = stackalloc byte[WalFormat.RecordHeaderSize];
        Span<byte> segmentHeader = stackalloc byte[WalFormat.SegmentHeaderSize];

        for (var s = 0; s < segments.Count; s++)
        {
            var (number, path) = segments[s];
            if (s > 0)
            {
                closed.Add((segments[s - 1].Number, Math.Max(nextSeq - 1, 0)));
            }

            var isLast = s == segments.Count - 1;
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            var length = RandomAccess.GetLength(handle);
            lastSegment = number;

            if (RandomAccess.Read(handle, segmentHeader, 0) < WalFormat.SegmentHeaderSize
                || !WalFormat.TryReadSegmentHeader(segmentHeader, out var headerNumber) || headerNumber != number)
            {
                // A crash while the segment was being created leaves it shorter than a header, or zeros: no record
                // can be in it (the header is synced before the first record). Anything else is damage.
                var incomplete = length < WalFormat.SegmentHeaderSize || segmentHeader.IndexOfAnyExcept((byte)0) < 0;
                if (!isLast || !incomplete)
                {
                    throw new InvalidDataException($"WAL segment {path} has a damaged header; refusing to guess what it held");
                }

                logger.LogWarning("WAL segment {Path} had an incomplete header; rewriting it", path);
                truncated += length;
                RandomAccess.SetLength(handle, 0);
                WalFormat.WriteSegmentHeader(segmentHeader, number);
                RandomAccess.Write(handle, segmentHeader, 0);
                NativeFile.FlushData(handle);
                lastLength = WalFormat.SegmentHeaderSize;
                continue;
            }


            long offset = WalFormat.SegmentHeaderSize;
            while (true)
            {
                if (offset == length)
                {
                    break;
                }

                if (TryReadRecord(handle, offset, length, nextSeq, header, ref payload, out var record))
                {
                    if (nextSeq < 0 && record.FirstSeq > persistedThroughSeq + 1)
                    {
                        throw new InvalidDataException(
                            $"WAL segment {path} starts at event {record.FirstSeq}, but partitions hold events only through {persistedThroughSeq}: events are missing");
                    }

                    consumer.Apply(new WalRecord(record.FirstSeq, record.EventCount, payload.AsSpan(0, record.PayloadLength)));
                    nextSeq = (nextSeq < 0 ? record.FirstSeq : nextSeq) + record.EventCount;
                    events += record.EventCount;
                    records++;
                    offset += WalFormat.RecordHeaderSize + record.PayloadLength;
                    continue;
                }

                if (!isLast)
                {
                    throw new InvalidDataException($"WAL segment {path} is damaged at byte {offset} and is not the last segment");
                }

                logger.LogWarning("WAL tail torn in {Path} at byte {Offset}: cutting {Bytes} bytes", path, offset, length - offset);
                truncated += length - offset;
                RandomAccess.SetLength(handle, offset);
                NativeFile.FlushData(handle);
                length = offset;
                break;
            }

            lastLength = length;
        }

        var lastLogged = Math.Max(nextSeq - 1, 0);
        nextSeq = Math.Max(nextSeq, persistedThroughSeq + 1);
        return new WalRecoveryResult(nextSeq, lastSegment, lastLength, (int)records, events, truncated) { ClosedSegments = closed, LastLoggedSeq = lastLogged };
    }

    private static bool TryReadRecord(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length, long expectedSeq,
        Span<byte> header, ref byte[] payload, out WalFormat.RecordHeader record)
    {
        if (RandomAccess.Read(handle, header, offset) != WalFormat.RecordHeaderSize
            || !WalFormat.TryReadRecordHeader(header, out record)
            || (expectedSeq >= 0 ? record.FirstSeq != expectedSeq : record.FirstSeq < 1)
            || offset + WalFormat.RecordHeaderSize + record.PayloadLength > length)
        {
            record = default;
            return false;
        }

        if (payload.Length < record.PayloadLength)
        {
            payload = new byte[Math.Max(record.PayloadLength, payload.Length * 2)];
        }

        var rows = payload.AsSpan(0, record.PayloadLength);
        return RandomAccess.Read(handle, rows, offset + WalFormat.RecordHeaderSize) == record.PayloadLength
            && Crc32C.Compute(rows) == record.PayloadCrc
            && RowLayout.IsWellFormedBatch(rows, record.EventCount);
    }

    public static List<(long Number, string Path)> ListSegments(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*" + WalFormat.FileExtension)
            .Select(path => (Ok: WalFormat.TryParseSegmentFileName(Path.GetFileName(path), out var n), Number: n, Path: path))
            .Where(s => s.Ok)
            .OrderBy(s => s.Number)
            .Select(s => (s.Number, s.Path))];
}
