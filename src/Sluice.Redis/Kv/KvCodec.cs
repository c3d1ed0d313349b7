using ZstdSharp;

namespace Sluice.Redis.Kv;

/// <summary>Values longer than the threshold are kept as one zstd frame (level 3) when that makes them smaller.</summary>
internal static class KvCodec
{
    private const int Level = 3;

    // Compression contexts are not thread-safe and cost a few hundred KiB each: one per thread.
    [ThreadStatic]
    private static Compressor? t_compressor;

    [ThreadStatic]
    private static Decompressor? t_decompressor;

    public static (byte[] Stored, KvFlags Flags) Encode(ReadOnlySpan<byte> value, int compressAbove)
    {
        if (value.Length > compressAbove)
        {
            var compressor = t_compressor ??= new Compressor(Level);
            var bound = Compressor.GetCompressBound(value.Length);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(bound);
            try
            {
                var written = compressor.Wrap(value, buffer);
                if (written < value.Length)
                {
                    return (buffer.AsSpan(0, written).ToArray(), KvFlags.Zstd);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return (value.ToArray(), KvFlags.None);
    }

    /// <summary>The value of <paramref name="entry"/>; null when its compressed bytes do not give back its length (a damaged copy).</summary>
    public static byte[]? Decode(KvEntry entry)
    {
        if ((entry.Flags & KvFlags.Zstd) == 0)
        {
            return entry.Stored;
        }

        var value = new byte[entry.RawLength];
        try
        {
            var decompressor = t_decompressor ??= new Decompressor();
            return decompressor.TryUnwrap(entry.Stored, value, out var written) && written == value.Length ? value : null;
        }
        catch (ZstdException)
        {
            return null;
        }
    }
}
