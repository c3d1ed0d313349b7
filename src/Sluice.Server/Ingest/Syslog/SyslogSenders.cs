using System.Net;
using Sluice.Core.Options;

namespace Sluice.Server.Ingest.Syslog;

/// <summary>
/// Who may send syslog. Syslog carries no key, so it cannot follow the HTTP rule (keys, or loopback only without
/// them): it takes this machine's senders always and others only from <c>Syslog:AllowedNetworks</c>.
/// </summary>
public sealed class SyslogSenders
{
    private readonly IPNetwork[] _networks;
    private readonly bool _anyone;

    public SyslogSenders(SyslogOptions options)
    {
        var entries = options.AllowedNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _anyone = entries.Contains("*");
        _networks = [.. entries.Where(e => e != "*").Select(e => IPNetwork.TryParse(e, out var network) ? network : new IPNetwork(IPAddress.Parse(e), IPAddress.Parse(e).GetAddressBytes().Length * 8))];
    }

    /// <summary>Whether only loopback senders are taken.</summary>
    public bool LoopbackOnly => !_anyone && _networks.Length == 0;

    public bool Allows(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IPAddress.IsLoopback(address) || _anyone || _networks.Any(n => n.Contains(address));
    }
}
