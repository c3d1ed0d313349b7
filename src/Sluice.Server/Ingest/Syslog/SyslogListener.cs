using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Admission;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Server.Hosting;

namespace Sluice.Server.Ingest.Syslog;

/// <summary>
/// Syslog over TCP (many connections, octet counting or LF framing) and UDP, on the ports of
/// <see cref="SyslogOptions"/>. Messages take the same path as HTTP ingest — translation, the parser's guards,
/// admission (quotas per client address), the durable log — in one batch per read. Syslog has no answer, so when
/// the server asks for time (503: memory, sealing, recovery) a TCP connection simply stops being read until the
/// batch is stored (backpressure); UDP batches that cannot be stored are dropped and counted. Syslog carries no
/// key: only loopback senders and <c>Syslog:AllowedNetworks</c> are taken (<see cref="SyslogSenders"/>), and TCP
/// connections are capped in all and per sender, idle ones closed sooner when places run short
/// (<see cref="SyslogConnections"/>). Syslog over TLS (RFC 5425, <c>Syslog:TlsPort</c>) is the TCP listener with a
/// TLS handshake first, on the server's certificate; its connections share the same caps.
/// </summary>
public sealed class SyslogListener(SluiceOptions options, EventIntake intake, IIpHasher ipHasher, ILogger<SyslogListener> logger, ServerTls tls) : BackgroundService
{
    private readonly SyslogSenders _senders = new(options.Syslog);
    private TcpListener? _tcp;
    private TcpListener? _tls;
    private UdpClient? _udp;

    /// <summary>The bound TCP port (useful with port 0), or null when off.</summary>
    public int? TcpPort { get; private set; }

    public int? UdpPort { get; private set; }

    /// <summary>The bound port of syslog over TLS, or null when off.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>A TLS handshake must be done within this; a sender that stalls in it holds no place for long.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    public SyslogConnections Connections { get; } = new(options.Syslog);

    private long _udpDropped;
    private long _udpRefused;

    /// <summary>UDP batches dropped because the server could not take them.</summary>
    public long UdpDropped => Interlocked.Read(ref _udpDropped);

    /// <summary>UDP datagrams from senders syslog does not take.</summary>
    public long UdpRefused => Interlocked.Read(ref _udpRefused);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var address = Bind();
        if (options.Syslog.TcpPort is { } tcpPort)
        {
            _tcp = new TcpListener(address, tcpPort);
            _tcp.Start();
            TcpPort = ((IPEndPoint)_tcp.LocalEndpoint).Port;
        }

        if (options.Syslog.TlsPort is { } tlsPort && tls.Certificate is not null)
        {
            _tls = new TcpListener(address, tlsPort);
            _tls.Start();
            TlsPort = ((IPEndPoint)_tls.LocalEndpoint).Port;
        }

        if (options.Syslog.UdpPort is { } udpPort)
        {
            _udp = new UdpClient(new IPEndPoint(address, udpPort));
            _udp.Client.ReceiveBufferSize = 4 * 1024 * 1024;
            UdpPort = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
        }

        if (_tcp is not null || _udp is not null || _tls is not null)
        {
            logger.LogInformation("Syslog listening on {Address}: TCP {Tcp}, UDP {Udp}, TLS {Tls}", address, TcpPort?.ToString() ?? "off", UdpPort?.ToString() ?? "off", TlsPort?.ToString() ?? "off");
            if (!IPAddress.IsLoopback(address) && _senders.LoopbackOnly)
            {
                logger.LogWarning("Syslog listens on {Address} but takes messages from this machine only: syslog has no authentication, so other senders must be named in Syslog:AllowedNetworks", address);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            _tcp is null ? Task.CompletedTask : AcceptAsync(_tcp, secure: false, stoppingToken),
            _tls is null ? Task.CompletedTask : AcceptAsync(_tls, secure: true, stoppingToken),
            _tcp is null && _tls is null ? Task.CompletedTask : CloseIdleAsync(stoppingToken),
            _udp is null ? Task.CompletedTask : ReceiveAsync(_udp, stoppingToken));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _tcp?.Stop();
        _tls?.Stop();
        _udp?.Dispose();
        await base.StopAsync(cancellationToken);
    }

    private IPAddress Bind()
    {
        if (options.Syslog.Address.Length > 0)
        {
            return IPAddress.Parse(options.Syslog.Address);
        }

        return ListenAddress.TryParse(options.Listen, out var listen) ? listen.Address : IPAddress.Loopback;
    }

    private async Task AcceptAsync(TcpListener listener, bool secure, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // e.g. out of file descriptors under a flood: keep listening once it passes
                logger.LogWarning("Syslog TCP accept failed: {Error}", e.Message);
                await Task.Delay(100, stop).ContinueWith(static _ => { }, TaskScheduler.Default);
                continue;
            }

            // Refused at once, before anything is read: a sender not allowed, or one past its share of places.
            var sender = (client.Client.RemoteEndPoint as IPEndPoint)?.Address;
            var connection = sender is not null && _senders.Allows(sender) ? Connections.TryOpen(client, sender) : null;
            if (connection is null)
            {
                if (sender is null || !_senders.Allows(sender))
                {
                    Connections.CountRefused();
                }

                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(connection, secure, stop), CancellationToken.None);
        }
    }

    /// <summary>Once a second, closes connections idle past the limit of the moment.</summary>
    private async Task CloseIdleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Connections.CloseIdle();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(SyslogConnections.Connection connection, bool secure, CancellationToken stop)
    {
        using (connection)
        {
            var endpoint = secure ? "syslog/tls" : "syslog/tcp";
            var who = Identify(connection.Client.Client.RemoteEndPoint);
            var framer = new SyslogFramer(options.Syslog.MaxMessageBytes);
            var buffer = new byte[64 * 1024];
            try
            {
                await using var stream = secure ? await HandshakeAsync(connection, stop) : connection.Client.GetStream();
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, stop);
                    if (read == 0)
                    {
                        break;
                    }

                    connection.Touch();
                    var messages = framer.Push(buffer.AsSpan(0, read));
                    if (messages.Count > 0)
                    {
                        connection.Storing = true;
                        await StoreAsync(messages, who, endpoint, retry: true, stop);
                        connection.Storing = false;
                    }
                }

                if (framer.Finish() is { } last)
                {
                    await StoreAsync([last], who, endpoint, retry: true, stop);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException
                or System.Security.Authentication.AuthenticationException)
            {
                // the sender went away or failed the handshake, the connection was closed for idling, or the server is stopping
            }
        }
    }

    /// <summary>The server side of the TLS handshake (RFC 5425 §4.2: the client authenticates the server; no client certificate is asked for).</summary>
    private async Task<Stream> HandshakeAsync(SyslogConnections.Connection connection, CancellationToken stop)
    {
        var ssl = new SslStream(connection.Client.GetStream(), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = tls.Certificate, ClientCertificateRequired = false }, timeout.Token);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private async Task ReceiveAsync(UdpClient udp, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var datagrams = new List<UdpReceiveResult> { await udp.ReceiveAsync(stop) };
                while (udp.Available > 0 && datagrams.Count < 1000)
                {
                    datagrams.Add(await udp.ReceiveAsync(stop));
                }

                var refused = datagrams.RemoveAll(d => !_senders.Allows(d.RemoteEndPoint.Address));
                Interlocked.Add(ref _udpRefused, refused);

                // One batch per sender, so quotas by client address charge the right one.
                foreach (var sender in datagrams.GroupBy(d => d.RemoteEndPoint.Address))
                {
                    var messages = sender.Select(d => d.Buffer.Length > options.Syslog.MaxMessageBytes ? d.Buffer[..options.Syslog.MaxMessageBytes] : d.Buffer).ToList();
                    if (!await StoreAsync(messages, Identify(sender.First().RemoteEndPoint), "syslog/udp", retry: false, stop))
                    {
                        Interlocked.Increment(ref _udpDropped);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception e)
            {
                // One bad batch must not stop the listener (nor, through BackgroundService, the host).
                logger.LogWarning("Syslog UDP batch failed: {Error}", e.Message);
            }
        }
    }

    /// <summary>Stores one batch; with <paramref name="retry"/>, waits out 503s (the sender waits on TCP meanwhile).</summary>
    private async Task<bool> StoreAsync(List<byte[]> messages, RequestIdentity who, string endpoint, bool retry, CancellationToken stop)
    {
        using var lease = await LeaseAsync(messages.Sum(m => (long)m.Length), retry, stop);
        if (lease is null)
        {
            return false;
        }

        using var translation = SyslogTranslator.Translate(messages, DateTime.UtcNow.Year, options.Limits, lease);
        for (var attempt = 0; ; attempt++)
        {
            var context = new ParseContext(EventKind.Log, intake.Clock.UnixMilliseconds);
            var outcome = await intake.StoreAsync(translation.Ndjson, BodyShape.Auto, context, who, endpoint, translation, stop);
            if (outcome.Status != 503 || !retry || attempt >= 600)
            {
                return outcome.Status is 200 || (outcome.Status == 400 && translation.Lines == 0);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * (attempt + 1), 1000)), stop);
        }
    }

    /// <summary>A lease on the ingest budget; over TCP (<paramref name="retry"/>) it waits as long as storing would, holding the sender back.</summary>
    private async Task<Sluice.Core.Memory.MemoryLease?> LeaseAsync(long bytes, bool retry, CancellationToken stop)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await intake.LeaseAsync(bytes, stop) is { } lease)
            {
                return lease;
            }

            if (!retry || attempt >= 600)
            {
                return null;
            }
        }
    }

    private RequestIdentity Identify(EndPoint? remote) =>
        ClientIdentity.Of(intake.Admission, ipHasher, null, (remote as IPEndPoint)?.Address);
}
