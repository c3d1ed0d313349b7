using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Ingest.Syslog;
using Sluice.Server.Tests.Protocols;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Hardening;

/// <summary>
/// Syslog carries no key: it takes this machine's senders and <c>Syslog:AllowedNetworks</c> only, caps connections
/// per sender, and closes idle ones sooner when places run short, so idle connections cannot lock senders out.
/// </summary>
public sealed class SyslogAccessTests
{
    [Fact]
    public async Task A_sender_from_another_address_is_refused_over_tcp_and_udp_unless_its_network_is_allowed()
    {
        var other = MachineAddress.OtherThanLoopback();
        Assert.True(other is not null, "this machine has no address but loopback, so no sender can be remote");

        await using (var server = await StartAsync(o => o with { Listen = "0.0.0.0:0" }))
        {
            var listener = server.App.Services.GetRequiredService<SyslogListener>();
            await SendTcpAsync(other!, listener.TcpPort!.Value, "<14>1 - h remote-tcp - - - from afar");
            await SendUdpAsync(other!, listener.UdpPort!.Value, "<14>1 - h remote-udp - - - from afar");
            await SendTcpAsync(IPAddress.Loopback, listener.TcpPort.Value, "<14>1 - h local - - - from here");

            Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=local"));
            await WaitUntilAsync(() => listener.UdpRefused >= 1 && listener.Connections.Refused >= 1);
            Assert.Empty((await server.GetJsonAsync("/api/logs/search?query=service:remote-tcp OR service:remote-udp")).GetProperty("events").EnumerateArray());
        }

        await using (var allowed = await StartAsync(o => o with { Listen = "0.0.0.0:0", Syslog = o.Syslog with { AllowedNetworks = $"{other}/32" } }))
        {
            var listener = allowed.App.Services.GetRequiredService<SyslogListener>();
            await SendTcpAsync(other!, listener.TcpPort!.Value, "<14>1 - h remote-tcp - - - from afar");
            await SendUdpAsync(other!, listener.UdpPort!.Value, "<14>1 - h remote-udp - - - from afar");
            Assert.Equal(2, (await SeqClientTests.WaitForAsync(allowed, 2, "query=service:remote-tcp OR service:remote-udp")).Count);
        }
    }

    [Fact]
    public async Task One_sender_cannot_hold_more_than_its_share_of_connections()
    {
        await using var server = await StartAsync(o => o with { Syslog = o.Syslog with { MaxConnectionsPerSender = 4 } });
        var port = server.App.Services.GetRequiredService<SyslogListener>().TcpPort!.Value;
        var held = new List<TcpClient>();
        for (var i = 0; i < 4; i++)
        {
            held.Add(await ConnectAsync(IPAddress.Loopback, port));
        }

        await WaitUntilAsync(() => server.App.Services.GetRequiredService<SyslogListener>().Connections.Count == 4);
        using var fifth = await ConnectAsync(IPAddress.Loopback, port);
        Assert.True(await IsClosedAsync(fifth), "a fifth connection of the same sender was kept");

        // Another sender (127.0.0.2 is loopback too, but another address) still gets in.
        await SendTcpAsync(IPAddress.Parse("127.0.0.2"), port, "<14>1 - h second-sender - - - still served");
        Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=second-sender"));
        held.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Idle_connections_filling_every_place_are_closed_soon_and_a_new_sender_gets_in()
    {
        await using var server = await StartAsync(o => o with { Syslog = o.Syslog with { MaxConnections = 40, MaxConnectionsPerSender = 40, IdleSeconds = 600, BusyIdleSeconds = 1 } });
        var listener = server.App.Services.GetRequiredService<SyslogListener>();
        var port = listener.TcpPort!.Value;
        var idle = new List<TcpClient>();
        for (var i = 0; i < 40; i++)
        {
            idle.Add(await ConnectAsync(IPAddress.Loopback, port));
        }

        await WaitUntilAsync(() => listener.Connections.Count == 40);
        using (var refused = await ConnectAsync(IPAddress.Parse("127.0.0.3"), port))
        {
            Assert.True(await IsClosedAsync(refused), "a connection past the cap was kept");
        }

        // At the cap, idle ones are closed after BusyIdleSeconds rather than IdleSeconds (10 minutes).
        await WaitUntilAsync(() => listener.Connections.Count < 36, TimeSpan.FromSeconds(10));
        await SendTcpAsync(IPAddress.Parse("127.0.0.3"), port, "<14>1 - h newcomer - - - got in");
        Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=newcomer"));
        Assert.True(listener.Connections.ClosedIdle >= 5);
        idle.ForEach(c => c.Dispose());
    }

    private static Task<TestServer> StartAsync(Func<Sluice.Core.Options.SluiceOptions, Sluice.Core.Options.SluiceOptions> configure) =>
        TestServer.StartAsync(o => configure(o with { Syslog = o.Syslog with { TcpPort = 0, UdpPort = 0 } }));

    private static async Task<TcpClient> ConnectAsync(IPAddress from, int port)
    {
        var client = new TcpClient(new IPEndPoint(from, 0));
        await client.ConnectAsync(IPAddress.IsLoopback(from) ? IPAddress.Loopback : from, port);
        return client;
    }

    private static async Task SendTcpAsync(IPAddress from, int port, string message)
    {
        using var client = await ConnectAsync(from, port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(message + "\n"));
            await stream.FlushAsync();
            client.Client.Shutdown(SocketShutdown.Send);
            _ = await stream.ReadAsync(new byte[1]); // wait for the server to close its end
        }
        catch (IOException)
        {
            // refused: the server closed the connection
        }
    }

    private static async Task SendUdpAsync(IPAddress from, int port, string message)
    {
        using var client = new UdpClient(new IPEndPoint(from, 0));
        await client.SendAsync(Encoding.UTF8.GetBytes(message), new IPEndPoint(from, port));
    }

    private static async Task<bool> IsClosedAsync(TcpClient client)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return await client.GetStream().ReadAsync(new byte[1], wait.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }
}
