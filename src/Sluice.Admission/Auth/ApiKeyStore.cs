using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Admission.Auth;

/// <summary>
/// The configured API keys, held only as SHA-256 hashes with their scopes. A presented key is hashed and compared
/// with every stored hash in constant time (no early exit), so neither the key nor which entry matched leaks through
/// timing. Keys come as <c>key:scope+scope</c> entries (<c>SLUICE_API_KEYS</c>, <c>Auth:ApiKeys</c>) or, to keep
/// plain keys out of files, as <c>sha256hex:scope+scope</c> (<c>Auth:ApiKeyHashes</c>).
/// </summary>
public sealed class ApiKeyStore
{
    private readonly List<(byte[] Hash, ApiScope Scope)> _keys;

    private ApiKeyStore(List<(byte[] Hash, ApiScope Scope)> keys) => _keys = keys;

    /// <summary>No keys: the server serves loopback clients only.</summary>
    public bool IsEmpty => _keys.Count == 0;

    public int Count => _keys.Count;

    /// <summary>Parses both lists; <paramref name="errors"/> names each bad entry (never the key itself).</summary>
    public static ApiKeyStore Parse(string keys, string hashes, List<string> errors)
    {
        var parsed = new List<(byte[], ApiScope)>();
        var index = 0;
        foreach (var entry in Split(keys))
        {
            index++;
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !ApiScopes.TryParse(entry[(colon + 1)..], out var scope))
            {
                errors.Add($"Auth:ApiKeys entry {index} must be key:scope with scopes ingest, read, admin joined by '+'");
                continue;
            }

            parsed.Add((Hash(entry[..colon]), scope));
        }

        index = 0;
        foreach (var entry in Split(hashes))
        {
            index++;
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon != 64 || !ApiScopes.TryParse(entry[(colon + 1)..], out var scope) || !TryHex(entry[..colon], out var hash))
            {
                errors.Add($"Auth:ApiKeyHashes entry {index} must be the key's SHA-256 as 64 hex digits, ':', then scopes");
                continue;
            }

            parsed.Add((hash, scope));
        }

        return new ApiKeyStore(parsed);
    }

    /// <summary>The scopes of the key, or <see cref="ApiScope.None"/> when it is not one of ours.</summary>
    public ApiScope Authenticate(ReadOnlySpan<char> presented) => Authenticate(presented, out _);

    /// <summary>
    /// The scopes of the key, and its public id: the first 12 hex digits of its SHA-256, which names the key in
    /// quotas and alerts without revealing it.
    /// </summary>
    public ApiScope Authenticate(ReadOnlySpan<char> presented, out string? keyId)
    {
        keyId = null;
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(presented.Length, 256))];
        if (presented.Length > 256)
        {
            return ApiScope.None;
        }

        var written = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], hash);
        var found = ApiScope.None;
        foreach (var (stored, scope) in _keys)
        {
            // Every entry is compared; the match is folded in without a branch on the secret.
            var equal = CryptographicOperations.FixedTimeEquals(stored, hash) ? 1 : 0;
            found |= (ApiScope)((int)scope * equal);
        }

        if (found != ApiScope.None)
        {
            keyId = Convert.ToHexStringLower(hash[..6]);
        }

        return found;
    }

    /// <summary>The SHA-256 of a key as lowercase hex, the form <c>Auth:ApiKeyHashes</c> takes.</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static IEnumerable<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        bytes = Convert.FromHexString(text);
        return true;
    }
}
