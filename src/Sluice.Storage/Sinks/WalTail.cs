using Sluice.Core.Events;
using Sluice.Storage.IO;
using Sluice.Storage.Wal;

namespace Sluice.Storage.Sinks;

/// <summary>
/// Reads WAL records in log order from the segment files, for one sink, behind the writer: only records whose
/// events are all durable (at or below the highest sequence number the hot tier has applied) are returned, so a
/// record being written is never read half done. Segments trimmed away under it are skipped and counted as lost.
/// </summary>
internal sealed class WalTail(string directory) : IDisposable
{
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private long _segment;
    private long _offset;
    private readonly byte[] _header = new byte[WalFormat.RecordHeaderSize];

    /// <summary>The segment and byte offset the next read starts at (segment 0: none opened yet).</summary>
    public (long Segment, long Offset) Position => (_segment, _offset);

    /// <summary>Bytes of WAL from <paramref name="position"/> to the end of the newest segment: what a reader there has still to read.</summary>
    public static long BytesAfter(string directory, (long Segment, long Offset) position)
    {
        long bytes = 0;
        foreach (var (number, path) in WalRecovery.ListSegments(directory))
        {
            if (number < position.Segment)
            {
                continue;
            }

            var length = new FileInfo(path) is { Exists: true } file ? file.Length : 0;
            bytes += number == position.Segment ? Math.Max(0, length - position.Offset) : Math.Max(0, length - WalFormat.SegmentHeaderSize);
        }

        return bytes;
    }

    /// <summary>
    /// The next record with events past <paramref name="after"/> and none past <paramref name="durableThrough"/>,
    /// its payload in <paramref name="payload"/> (grown when needed). False when there is none yet.
    /// <paramref name="missing"/> counts events past <paramref name="after"/> that the log no longer holds (with a
    /// record, those before it; without one, those up to <paramref name="durableThrough"/>).
    /// </summary>
    public bool TryRead(long after, long durableThrough, ref byte[] payload, out WalFormat.RecordHeader record, out long missing)
    {
        missing = 0;
        record = default;
        while (true)
        {
            if (_handle is null && !OpenNext())
            {
                return false;
            }

            var length = RandomAccess.GetLength(_handle!);
            if (_offset + WalFormat.RecordHeaderSize > length
                || RandomAccess.Read(_handle!, _header, _offset) != WalFormat.RecordHeaderSize
                || !WalFormat.TryReadRecordHeader(_header, out var header))
            {
                // The end of what is written: a later segment means the writer moved on; otherwise wait.
                if (NextSegmentExists())
                {
                    Close();
                    continue;
                }

                // The end of the newest segment. Every event up to durableThrough was on disk before this call
                // began, so events past `after` not met on the way were trimmed away (they are in parts only).
                if (durableThrough > after)
                {
                    missing = durableThrough - after;
                }

                return false;
            }

            var last = header.FirstSeq + header.EventCount - 1;
            if (last > durableThrough)
            {
                return false; // written but not yet acknowledged
            }

            if (last <= after)
            {
                _offset += WalFormat.RecordHeaderSize + header.PayloadLength;
                continue;
            }

            if (header.FirstSeq > after + 1)
            {
                missing += header.FirstSeq - after - 1;
            }

            if (payload.Length < header.PayloadLength)
            {
                payload = new byte[Math.Max(header.PayloadLength, payload.Length * 2)];
            }

            var rows = payload.AsSpan(0, header.PayloadLength);
            if (RandomAccess.Read(_handle!, rows, _offset + WalFormat.RecordHeaderSize) != header.PayloadLength
                || Crc32C.Compute(rows) != header.PayloadCrc
                || !RowLayout.IsWellFormedBatch(rows, header.EventCount))
            {
                throw new InvalidDataException($"WAL segment {WalFormat.SegmentFileName(_segment)} is damaged at byte {_offset} (an acknowledged record)");
            }

            _offset += WalFormat.RecordHeaderSize + header.PayloadLength;
            record = header;
            return true;
        }
    }

    /// <summary>The first event the log still holds, or null when it holds none.</summary>
    public static long? FirstAvailableSeq(string directory)
    {
        var header = new byte[WalFormat.RecordHeaderSize];
        foreach (var (_, path) in WalRecovery.ListSegments(directory))
        {
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (RandomAccess.Read(handle, header, WalFormat.SegmentHeaderSize) == header.Length && WalFormat.TryReadRecordHeader(header, out var record))
                {
                    return record.FirstSeq;
                }
            }
            catch (FileNotFoundException)
            {
            }
        }

        return null;
    }

    /// <summary>Opens the segment after the current one (or the first there is), skipping numbers trimmed away.</summary>
    private bool OpenNext()
    {
        var segments = WalRecovery.ListSegments(directory);
        foreach (var (number, path) in segments)
        {
            if (number <= _segment)
            {
                continue;
            }

            try
            {
                _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                continue; // trimmed between the listing and the open
            }

            _segment = number;
            _offset = WalFormat.SegmentHeaderSize;
            return true;
        }

        return false;
    }

    private bool NextSegmentExists() =>
        WalRecovery.ListSegments(directory).Any(s => s.Number > _segment);

    private void Close()
    {
        _handle?.Dispose();
        _handle = null;
    }

    public void Dispose() => Close();
}
