using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Stats file version 3: the same content as the JSON of versions 1 and 2 (<see cref="PartStatsJson"/>), in binary,
/// so its blobs no longer pay base64's third, and the distinct-IP sketch Brotli-compressed (16 KB of registers, most
/// of them 0–3, take about 6 KB). Layout, numbers as unsigned LEB128 varints, strings as a varint length then UTF-8:
/// the magic <c>SLST</c> and the version byte 3; the summary (total, field count, per field its name, value count and
/// per value the value and its count); the sketch (its compressed length, 0 for none, then the bytes); the trace index
/// (its length, then <see cref="TraceIndexFormat"/> in seconds); the part's trigram filter (log2 of its bits, 0 for
/// none, then the filter's bytes); the text blocks (count, per block min seq, max − min, log2 and bytes as for the
/// part's); the stored counts (length, 0 for none, then <see cref="SummaryDetail"/>'s bytes); last the CRC-32 of
/// everything before it, little-endian. Every length read is checked against the bytes left before anything is
/// allocated. Layout: docs/storage.md, "Stats file".
/// </summary>
internal static class PartStatsBinary
{
    public const int Version = 3;

    /// <summary>
    /// The trace index's spans in whole seconds (<see cref="TraceIndexFormat"/>): 6.1 bytes a trace against 8.5 in
    /// ms, −0.24 B/event on the standard dataset, for reads of a trace widened by under a second at each end.
    /// </summary>
    public const uint TraceResolutionMs = 1000;

    private static ReadOnlySpan<byte> Magic => "SLST"u8;

    /// <summary>
    /// Brotli's quality for the sketch. On the standard dataset's 25 traffic sketches (about 15,000 addresses each):
    /// quality 4 gives 5.8 KB in 0.5 ms a sketch; 5 to 9 no smaller and slower; 11 gives 4.7 KB but takes 13 ms.
    /// </summary>
    private const int SketchQuality = 4;

    /// <summary>log2 of Brotli's window: the smallest that holds the whole 16 KB sketch.</summary>
    private const int SketchWindow = 15;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsBinary(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    public static byte[] Encode(PartStats stats)
    {
        var to = new List<byte>(64 * 1024);
        to.AddRange(Magic);
        to.Add(Version);
        WriteSummary(to, stats.Summary);
        WriteBlob(to, TraceIndexFormat.Encode(stats.TraceKeys, stats.TraceFirst, stats.TraceLast, TraceResolutionMs));
        WriteFilter(to, stats.Text);
        WriteNumber(to, (ulong)stats.TextBlocks.Count);
        foreach (var block in stats.TextBlocks)
        {
            WriteNumber(to, (ulong)block.MinSeq);
            WriteNumber(to, (ulong)(block.MaxSeq - block.MinSeq));
            WriteFilter(to, block.Text);
        }

        WriteBlob(to, stats.Detail ?? []);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.HashToUInt32(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(to)));
        to.AddRange(crc);
        return [.. to];
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; damage of any kind throws <see cref="InvalidDataException"/> naming <paramref name="path"/>.</summary>
    public static PartStats Decode(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < Magic.Length + 1 + 4 || !IsBinary(bytes))
        {
            throw new InvalidDataException($"{path} is too short for a stats file");
        }

        var body = bytes[..^4];
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]))
        {
            throw new InvalidDataException($"{path} fails its checksum: the stats file is damaged");
        }

        if (body[Magic.Length] != Version)
        {
            throw new InvalidDataException($"{path} is a stats file of version {body[Magic.Length]}, not {Version}");
        }

        try
        {
            var reader = new Reader(body, Magic.Length + 1);
            var summary = ReadSummary(ref reader);
            var (keys, first, last) = TraceIndexFormat.Decode(reader.Blob(), TraceResolutionMs);
            var text = ReadFilter(ref reader);
            var blockCount = reader.Count(minBytesEach: 3);
            var blocks = new List<TextBlock>(blockCount);
            for (var i = 0; i < blockCount; i++)
            {
                var min = reader.Long();
                var span = reader.Number();
                var max = span <= (ulong)(long.MaxValue - min) ? min + (long)span : throw new InvalidDataException("a text block ends past 63 bits");
                blocks.Add(new TextBlock(min, max, ReadFilter(ref reader)));
            }

            var detail = reader.Blob();
            if (!reader.AtEnd)
            {
                throw new InvalidDataException($"{reader.Left} bytes follow the stats");
            }

            return new PartStats(summary, keys, first, last, text, blocks, detail.IsEmpty ? null : detail.ToArray());
        }
        catch (InvalidDataException e)
        {
            // The checksum held, so this is a file written wrong, not damaged on disk: still refused, never guessed at.
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static void WriteSummary(List<byte> to, PartSummary summary)
    {
        WriteNumber(to, (ulong)summary.Total);
        WriteNumber(to, (ulong)summary.Counts.Count);
        foreach (var (field, values) in summary.Counts)
        {
            WriteString(to, field);
            WriteNumber(to, (ulong)values.Count);
            foreach (var (value, count) in values)
            {
                WriteString(to, value);
                WriteNumber(to, (ulong)count);
            }
        }

        WriteBlob(to, summary.Ips.IsEmpty ? [] : CompressSketch(summary.Ips.ToBytes()));
    }

    private static PartSummary ReadSummary(ref Reader reader)
    {
        var summary = new PartSummary { Total = reader.Long() };
        for (var fields = reader.Count(minBytesEach: 2); fields > 0; fields--)
        {
            var field = reader.String();
            for (var values = reader.Count(minBytesEach: 2); values > 0; values--)
            {
                summary.Count(field, reader.String(), reader.Long());
            }
        }

        var sketch = reader.Blob();
        if (!sketch.IsEmpty)
        {
            summary.Ips = DecompressSketch(sketch);
        }

        return summary;
    }

    private static byte[] CompressSketch(byte[] registers)
    {
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(registers.Length)];
        return BrotliEncoder.TryCompress(registers, compressed, out var written, SketchQuality, SketchWindow)
            ? compressed[..written]
            : throw new InvalidOperationException("Brotli could not compress a distinct-IP sketch into its own bound");
    }

    /// <summary>Decodes into exactly the sketch's registers: output past them is refused as it happens, not after.</summary>
    private static HyperLogLog DecompressSketch(ReadOnlySpan<byte> compressed)
    {
        var registers = new byte[HyperLogLog.RegisterCount];
        if (!BrotliDecoder.TryDecompress(compressed, registers, out var written) || written != registers.Length)
        {
            throw new InvalidDataException($"the distinct-IP sketch does not decompress to its {HyperLogLog.RegisterCount} registers");
        }

        return HyperLogLog.FromBytes(registers);
    }

    private static void WriteFilter(List<byte> to, TextTrigrams? filter)
    {
        WriteNumber(to, (ulong)(filter?.Log2 ?? 0));
        if (filter is not null)
        {
            to.AddRange(filter.ToBytes());
        }
    }

    private static TextTrigrams? ReadFilter(ref Reader reader)
    {
        var log2 = reader.Number();
        if (log2 == 0)
        {
            return null;
        }

        var size = log2 <= 64 ? TextTrigrams.ByteCountOf((int)log2) : -1;
        return size >= 0 ? TextTrigrams.FromBytes(reader.Bytes(size), (int)log2) : throw new InvalidDataException($"a text index of 2^{log2} bits was never written");
    }

    private static void WriteBlob(List<byte> to, ReadOnlySpan<byte> blob)
    {
        WriteNumber(to, (ulong)blob.Length);
        to.AddRange(blob);
    }

    private static void WriteString(List<byte> to, string value) => WriteBlob(to, Encoding.UTF8.GetBytes(value));

    private static void WriteNumber(List<byte> to, ulong value)
    {
        while (value >= 0x80)
        {
            to.Add((byte)(value | 0x80));
            value >>= 7;
        }

        to.Add((byte)value);
    }

    /// <summary>Reads the body in order; every read is bounded by what is left, and an overrun throws.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes, int at)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at = at;

        public readonly int Left => _bytes.Length - _at;

        public readonly bool AtEnd => _at == _bytes.Length;

        public ulong Number()
        {
            var value = 0UL;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_at >= _bytes.Length)
                {
                    throw new InvalidDataException("the stats end inside a number");
                }

                var b = _bytes[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("the stats hold a number past 64 bits");
        }

        public long Long()
        {
            var value = Number();
            return value <= long.MaxValue ? (long)value : throw new InvalidDataException("the stats hold a count past 63 bits");
        }

        /// <summary>A count of items that take at least <paramref name="minBytesEach"/> bytes each: more than fit in what is left is damage.</summary>
        public int Count(int minBytesEach)
        {
            var count = Number();
            return count <= (ulong)(Left / minBytesEach) ? (int)count : throw new InvalidDataException($"the stats announce {count} items in {Left} bytes");
        }

        public ReadOnlySpan<byte> Bytes(int length)
        {
            if (length > Left)
            {
                throw new InvalidDataException($"the stats announce {length} bytes where {Left} are left");
            }

            var slice = _bytes.Slice(_at, length);
            _at += length;
            return slice;
        }

        public ReadOnlySpan<byte> Blob()
        {
            var length = Number();
            return Bytes(length <= (ulong)Left ? (int)length : throw new InvalidDataException($"the stats announce {length} bytes where {Left} are left"));
        }

        public string String()
        {
            try
            {
                return StrictUtf8.GetString(Blob());
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException("the stats hold a string that is not UTF-8", e);
            }
        }
    }
}
