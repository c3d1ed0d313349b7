using System.Buffers.Binary;
using System.Globalization;
using Sluice.Storage.IO;

namespace Sluice.Storage.Wal;

/// <summary>
/// Byte layout of WAL segments and records, version 1 (docs/wal.md). All integers little-endian.
/// <code>
/// segment header (32 bytes): magic "SLUICWAL" | u16 version | u16 reserved | u32 reserved | u64 segment number | u32 reserved | u32 crc32c(bytes 0..28)
/// record header  (28 bytes): u32 payload length | u32 crc32c(payload) | u64 first event seq | u32 event count | u8 type | 3 × u8 reserved | u32 crc32c(bytes 0..24)
/// </code>
/// </summary>
internal static class WalFormat
{
    public const ushort Version = 1;
    public const int SegmentHeaderSize = 32;
    public const int RecordHeaderSize = 28;

    /// <summary>Largest record payload accepted; anything larger on disk is corruption.</summary>
    public const int MaxPayloadBytes = Sluice.Core.Events.RowLayout.MaxBatchBytes;

    public const string FileExtension = ".wal";

    public static ReadOnlySpan<byte> Magic => "SLUICWAL"u8;

    public static string SegmentFileName(long segmentNumber) =>
        segmentNumber.ToString("D12", CultureInfo.InvariantCulture) + FileExtension;

    public static bool TryParseSegmentFileName(string fileName, out long segmentNumber)
    {
        segmentNumber = 0;
        return fileName.EndsWith(FileExtension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, fileName.Length - FileExtension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out segmentNumber);
    }

    public static void WriteSegmentHeader(Span<byte> header, long segmentNumber)
    {
        header[..SegmentHeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], segmentNumber);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C.Compute(header[..28]));
    }

    /// <summary>Reads a segment header; false if it is damaged or not a segment, throws if it is a newer version.</summary>
    public static bool TryReadSegmentHeader(ReadOnlySpan<byte> header, out long segmentNumber)
    {
        segmentNumber = 0;
        if (header.Length < SegmentHeaderSize || !header.StartsWith(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Crc32C.Compute(header[..28]))
        {
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != Version)
        {
            throw new InvalidDataException($"WAL segment format version {version} is not supported (this build reads {Version})");
        }

        segmentNumber = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        return true;
    }

    public static void WriteRecordHeader(Span<byte> header, int payloadLength, uint payloadCrc, long firstSeq, int eventCount, WalRecordType type)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], payloadCrc);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], firstSeq);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)eventCount);
        header[20] = (byte)type;
        header[21] = 0;
        header[22] = 0;
        header[23] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32C.Compute(header[..24]));
    }

    /// <summary>Validates a record header on its own (the payload CRC is checked by the caller).</summary>
    public static bool TryReadRecordHeader(ReadOnlySpan<byte> header, out RecordHeader record)
    {
        record = default;
        if (header.Length < RecordHeaderSize
            || BinaryPrimitives.ReadUInt32LittleEndian(header[24..]) != Crc32C.Compute(header[..24]))
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var type = (WalRecordType)header[20];
        if (length > MaxPayloadBytes || type != WalRecordType.EventBatch)
        {
            return false;
        }

        record = new RecordHeader(
            (int)length,
            BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[8..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[16..]),
            type);
        return true;
    }

    public readonly record struct RecordHeader(int PayloadLength, uint PayloadCrc, long FirstSeq, int EventCount, WalRecordType Type);
}

/// <summary>Type byte of a WAL record. Written to disk: never renumber.</summary>
internal enum WalRecordType : byte
{
    /// <summary>A batch of encoded event rows (docs/wal.md, "Row").</summary>
    EventBatch = 1,
}
