using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

internal static class MachineAddress
{
    /// <summary>One of this machine's IPv4 addresses that is not loopback: reaching a listener through it makes the client remote.
    /// Null on a machine with loopback alone.</summary>
    public static IPAddress? OtherThanLoopback() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
