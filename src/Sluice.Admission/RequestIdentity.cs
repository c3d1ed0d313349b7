using System.Text;

namespace Sluice.Admission;

/// <summary>Who sent a request, as far as quotas care: the key's public id and the keyed hash of the client address.</summary>
public sealed class RequestIdentity(string? apiKeyId, string? clientIpHash)
{
    public static readonly RequestIdentity Anonymous = new(null, null);

    public string? ApiKeyId { get; } = apiKeyId;

    public string? ClientIpHash { get; } = clientIpHash;

    /// <summary>Neither counted against quotas nor sampled: an import replays history, it is not live traffic.</summary>
    public bool QuotaExempt { get; init; }

    public byte[] ApiKeyIdUtf8 { get; } = apiKeyId is null ? [] : Encoding.UTF8.GetBytes(apiKeyId);

    public byte[] ClientIpHashUtf8 { get; } = clientIpHash is null ? [] : Encoding.UTF8.GetBytes(clientIpHash);
}
