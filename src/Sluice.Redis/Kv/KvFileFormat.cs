using System.Buffers.Binary;
using System.Text;

namespace Sluice.Redis.Kv;

/// <summary>
/// One durable KV file (format 1), little-endian, written whole and atomically (docs/storage.md, "KV files"):
/// <code>
///  0  4  magic "SKV1"            24  8  expires at, ms (0 never)     52  4  stored length N
///  4  1  flags (KvFlags)         32  8  cache ttl, ms                 56  K  key, UTF-8
///  5  1  content type length C   40  8  redis ttl, ms (-1 forever)    ..  C  content type, ASCII
///  6  2  key length K            48  4  raw (uncompressed) length     ..  N  stored bytes
///  8  8  version                                                      ..  4  CRC-32C of all before
/// 16  8  updated, ms
/// </code>
/// The header alone (56 + K + C bytes) is what start-up reads to index a file.
/// </summary>
internal static class KvFileFormat
{
    public const int HeaderBytes = 56;
    public const int MaxContentTypeBytes = 255;
    private static ReadOnlySpan<byte> Magic => "SKV1"u8;

    public static byte[] Encode(KvEntry entry)
    {
        var key = Encoding.UTF8.GetBytes(entry.Key);
        var type = Encoding.ASCII.GetBytes(entry.ContentType);
        var total = HeaderBytes + key.Length + type.Length + entry.Stored.Length + 4;
        var bytes = new byte[total];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[4] = (byte)entry.Flags;
        span[5] = (byte)type.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)key.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], entry.Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], entry.UpdatedMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], entry.ExpiresAtMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], entry.CacheTtlMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[40..], entry.RedisTtlMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[48..], entry.RawLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[52..], entry.Stored.Length);
        var at = HeaderBytes;
        key.CopyTo(span[at..]);
        at += key.Length;
        type.CopyTo(span[at..]);
        at += type.Length;
        entry.Stored.CopyTo(span[at..]);
        at += entry.Stored.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], KvChecksum.Compute(span[..at]));
        return bytes;
    }

    /// <summary>The entry a whole file holds, or null when it is not a whole, undamaged file of this format.</summary>
    public static KvEntry? Decode(ReadOnlySpan<byte> file)
    {
        if (ReadHeader(file, out var bodyStart, out var storedLength) is not { } header
            || file.Length != bodyStart + storedLength + 4
            || BinaryPrimitives.ReadUInt32LittleEndian(file[(bodyStart + storedLength)..]) != KvChecksum.Compute(file[..(bodyStart + storedLength)]))
        {
            return null;
        }

        return header with { Stored = file.Slice(bodyStart, storedLength).ToArray() };
    }

    /// <summary>Reads the header and key (without the stored bytes); null when the bytes are not such a header.</summary>
    public static KvEntry? ReadHeader(ReadOnlySpan<byte> file, out int bodyStart, out int storedLength)
    {
        bodyStart = 0;
        storedLength = 0;
        if (file.Length < HeaderBytes || !file[..4].SequenceEqual(Magic))
        {
            return null;
        }

        var typeLength = file[5];
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(file[6..]);
        storedLength = BinaryPrimitives.ReadInt32LittleEndian(file[52..]);
        bodyStart = HeaderBytes + keyLength + typeLength;
        if (storedLength < 0 || file.Length < bodyStart)
        {
            return null;
        }

        try
        {
            return new KvEntry
            {
                Key = KvKeys.StrictUtf8.GetString(file.Slice(HeaderBytes, keyLength)),
                Flags = (KvFlags)file[4],
                Version = BinaryPrimitives.ReadInt64LittleEndian(file[8..]),
                UpdatedMs = BinaryPrimitives.ReadInt64LittleEndian(file[16..]),
                ExpiresAtMs = BinaryPrimitives.ReadInt64LittleEndian(file[24..]),
                CacheTtlMs = BinaryPrimitives.ReadInt64LittleEndian(file[32..]),
                RedisTtlMs = BinaryPrimitives.ReadInt64LittleEndian(file[40..]),
                RawLength = BinaryPrimitives.ReadInt32LittleEndian(file[48..]),
                ContentType = Encoding.ASCII.GetString(file.Slice(HeaderBytes + keyLength, typeLength)),
            };
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
