using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;

namespace Sluice.Query.Search;

/// <summary>
/// Where the next page starts: the last (timestamp, seq) returned, and the highest seq that existed when the
/// first page was read. Pages only ever show events up to that snapshot, so events arriving meanwhile can
/// neither push a row onto the next page twice nor make one skip — whether a row is read from memory or from a
/// sealed part changes between pages, its sort key does not. Opaque to clients: versioned base64url.
/// <see cref="NowMs"/> is the clock of the first page, so a relative filter (<c>_time:1h</c>) covers the same range on
/// every page; 0 means none was kept (the slot held a since-retired eviction mark, always 0 once parts existed).
/// </summary>
public readonly record struct SearchCursor(long SnapshotSeq, long Timestamp, long Seq, bool Descending, long NowMs = 0)
{
    private const byte Version = 1;
    private const int Size = 1 + 8 + 8 + 8 + 1 + 8;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Size];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], SnapshotSeq);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[9..], Timestamp);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[17..], Seq);
        bytes[25] = Descending ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[26..], NowMs);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, out SearchCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[Size + 4];
        // DecodeFromChars reports bad input as a status; TryDecodeFromChars would throw on it.
        if (text.Length > 64 || Base64Url.DecodeFromChars(text, bytes, out _, out var written) != OperationStatus.Done
            || written != Size || bytes[0] != Version || bytes[25] > 1)
        {
            return false;
        }

        cursor = new SearchCursor(
            BinaryPrimitives.ReadInt64LittleEndian(bytes[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[17..]),
            bytes[25] == 1,
            BinaryPrimitives.ReadInt64LittleEndian(bytes[26..]));
        return true;
    }
}
