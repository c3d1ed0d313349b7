using System.Net;
using Sluice.Admission;
using Sluice.Core.Privacy;

namespace Sluice.Server.Ingest;

/// <summary>Who sent a batch, as quotas see it: the key's public id and the keyed hash of the address (never the raw address).</summary>
public static class ClientIdentity
{
    public static RequestIdentity Of(BatchAdmission admission, IIpHasher ipHasher, string? apiKeyId, IPAddress? address)
    {
        if (admission.Quotas.IsEmpty)
        {
            return RequestIdentity.Anonymous; // nothing would read it
        }

        string? ipHash = null;
        if (address is not null)
        {
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            Span<byte> text = stackalloc byte[64];
            Span<byte> hash = stackalloc byte[ipHasher.HashLength];
            if (address.TryFormat(text, out var written))
            {
                ipHasher.Hash(text[..written], hash);
                ipHash = System.Text.Encoding.UTF8.GetString(hash);
            }
        }

        return new RequestIdentity(apiKeyId, ipHash);
    }
}
