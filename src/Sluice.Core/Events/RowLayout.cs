using System.Buffers.Binary;

namespace Sluice.Core.Events;

/// <summary>
/// The fixed header of an encoded event row (docs/wal.md, "Row"). A row is the unit the WAL stores and the hot
/// tier keeps: header, then tagged fields.
/// </summary>
public static class RowLayout
{
    /// <summary>u32 total row length (header included), i64 timestamp ms, u8 kind, u8 level, u16 reserved.</summary>
    public const int HeaderSize = 16;

    public const int LengthOffset = 0;
    public const int TimestampOffset = 4;
    public const int KindOffset = 12;
    public const int LevelOffset = 13;

    /// <summary>Largest row accepted anywhere (defends readers against a corrupt length).</summary>
    public const int MaxRowBytes = 16 * 1024 * 1024;

    /// <summary>Largest batch of rows one request may produce: one WAL record.</summary>
    public const int MaxBatchBytes = 256 * 1024 * 1024;

    public static int ReadLength(ReadOnlySpan<byte> row) => (int)BinaryPrimitives.ReadUInt32LittleEndian(row);

    public static long ReadTimestamp(ReadOnlySpan<byte> row) => BinaryPrimitives.ReadInt64LittleEndian(row[TimestampOffset..]);

    public static EventKind ReadKind(ReadOnlySpan<byte> row) => (EventKind)row[KindOffset];

    public static EventLevel ReadLevel(ReadOnlySpan<byte> row) => (EventLevel)row[LevelOffset];

    public static void WriteHeader(Span<byte> row, int length, long timestamp, EventKind kind, EventLevel level)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(row, (uint)length);
        BinaryPrimitives.WriteInt64LittleEndian(row[TimestampOffset..], timestamp);
        row[KindOffset] = (byte)kind;
        row[LevelOffset] = (byte)level;
        row[14] = 0;
        row[15] = 0;
    }

    /// <summary>
    /// Checks that a byte range is a sequence of exactly <paramref name="expectedRows"/> well-formed rows.
    /// Used on recovery so that a record whose CRC matches but whose content is not ours is never misread.
    /// </summary>
    public static bool IsWellFormedBatch(ReadOnlySpan<byte> rows, int expectedRows)
    {
        var count = 0;
        while (!rows.IsEmpty)
        {
            if (rows.Length < HeaderSize)
            {
                return false;
            }

            var length = ReadLength(rows);
            if (length < HeaderSize || length > rows.Length || length > MaxRowBytes)
            {
                return false;
            }

            var reader = new RowReader(rows[..length]);
            while (reader.MoveNext())
            {
            }

            if (!reader.IsValid)
            {
                return false;
            }

            rows = rows[length..];
            count++;
        }

        return count == expectedRows;
    }
}
