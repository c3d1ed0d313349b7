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
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, input, mac);
        Convert.TryToHexStringLower(mac[..8], destination[..HashLength], out _);
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
