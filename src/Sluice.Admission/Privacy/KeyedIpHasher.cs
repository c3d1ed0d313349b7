using System.Net;
using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Privacy;

namespace Sluice.Admission.Privacy;

/// <summary>
/// HMAC-SHA256 of the address in canonical binary form (IPv4-mapped IPv6 folded to IPv4), cut to 64 bits and
/// written as 16 lowercase hex characters. Keyed, so the 2^32 IPv4 space cannot be reversed by enumeration
/// without the secret; 64 bits keep collisions negligible at millions of addresses.
/// </summary>
public sealed class KeyedIpHasher : IIpHasher
{
    private readonly byte[] _key;

    public KeyedIpHasher(byte[] key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("the IP hash key needs at least 16 bytes", nameof(key));
        }

        _key = key;
    }

    public int HashLength => 16;

    public void Hash(ReadOnlySpan<byte> ipUtf8, Span<byte> destination)
    {
        Span<byte> canonical = stackalloc byte[64];
        var input = Canonicalise(ipUtf8.Trim(" \t"u8), canonical);
        var cache = t_cache ??= new HashCache();
        if (!cache.TryGet(this, input, out var hash))
        {
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, input, mac);
            hash = BitConverter.ToUInt64(mac);
            cache.Set(this, input, hash);
        }

        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, hash);
        Convert.TryToHexStringLower(bytes, destination[..HashLength], out _);
    }

    // HMAC costs ~2 µs a call here (a native context per call) and was 19 % of ingest CPU in the profile in
    // docs/benchmarks.md. Client IPs repeat heavily, so each thread keeps a small direct-mapped cache of
    // address → hash. It holds hashes and binary addresses in memory only; nothing of it is ever written.
    [ThreadStatic]
    private static HashCache? t_cache;

    private sealed class HashCache
    {
        private const int Size = 8192;
        private readonly UInt128[] _keys = new UInt128[Size];
        private readonly byte[] _lengths = new byte[Size];
        private readonly ulong[] _hashes = new ulong[Size];
        private readonly KeyedIpHasher?[] _owners = new KeyedIpHasher?[Size];

        public bool TryGet(KeyedIpHasher owner, ReadOnlySpan<byte> address, out ulong hash)
        {
            hash = 0;
            if (!TryKey(address, out var key))
            {
                return false;
            }

            var slot = Slot(key);
            if (_keys[slot] != key || _lengths[slot] != address.Length || !ReferenceEquals(_owners[slot], owner))
            {
                return false;
            }

            hash = _hashes[slot];
            return true;
        }

        public void Set(KeyedIpHasher owner, ReadOnlySpan<byte> address, ulong hash)
        {
            if (TryKey(address, out var key))
            {
                var slot = Slot(key);
                _keys[slot] = key;
                _lengths[slot] = (byte)address.Length;
                _hashes[slot] = hash;
                _owners[slot] = owner;
            }
        }

        private static int Slot(UInt128 key) => (int)((ulong)(key ^ (key >> 64)) * 0x9E3779B97F4A7C15UL >> 51) & (Size - 1);

        /// <summary>Binary IPv4 (4 bytes) and IPv6 (16 bytes) fit a 128-bit key; the length is kept beside it.</summary>
        private static bool TryKey(ReadOnlySpan<byte> address, out UInt128 key)
        {
            key = 0;
            if (address.Length == 16)
            {
                key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(address);
                return true;
            }

            if (address.Length == 4)
            {
                key = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(address);
                return true;
            }

            return false;
        }
    }

    public string Hash(string ip)
    {
        Span<byte> hash = stackalloc byte[16];
        Hash(Encoding.UTF8.GetBytes(ip), hash);
        return Encoding.ASCII.GetString(hash);
    }

    private static ReadOnlySpan<byte> Canonicalise(ReadOnlySpan<byte> text, Span<byte> scratch)
    {
        Span<char> chars = stackalloc char[48];
        if (text.Length <= chars.Length && Encoding.UTF8.TryGetChars(text, chars, out var count)
            && IPAddress.TryParse(chars[..count], out var address))
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (address.TryWriteBytes(scratch, out var written))
            {
                return scratch[..written];
            }
        }

        // Not an address we can parse: hash the text itself, so it is still never stored raw.
        return text;
    }
}
