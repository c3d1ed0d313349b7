using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A TCP proxy on a free loopback port in front of a real server (ClickHouse), switched at run time between passing
/// bytes, delaying each chunk, dropping connections (closing them, or a black hole that reads and answers nothing),
/// cutting a connection after forwarding some bytes of the request, and forwarding the request whole but cutting
/// the response — ClickHouse failing in the middle of a batch, or after committing it. Only for fault injection in
/// tests; the server behind it is real.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Connection, bool> _open = new();
    private readonly Task _accepting;
    private volatile Setting _setting = new(ProxyMode.Pass, 0, 0);
    private long _cuts;
    private long _accepted;

    private FaultProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public enum ProxyMode
    {
        Pass,
        Delay,
        DropClose,
        Blackhole,
        CutRequest,
        CutResponse,
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public ProxyMode Mode => _setting.Mode;

    /// <summary>Connections the proxy cut on purpose (a drop, a cut request or response).</summary>
    public long Cuts => Interlocked.Read(ref _cuts);

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Proxies to the HTTP server at <paramref name="url"/> (its host must be an address, as the test servers' are).</summary>
    public static FaultProxy Start(string url)
    {
        var uri = new Uri(url);
        return new FaultProxy(new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port));
    }

    public void Pass() => Switch(new Setting(ProxyMode.Pass, 0, 0), cutOpen: false);

    /// <summary>Every chunk, either way, waits <paramref name="ms"/> before it is forwarded.</summary>
    public void Delay(int ms) => Switch(new Setting(ProxyMode.Delay, ms, 0), cutOpen: false);

    /// <summary>Open connections are cut, new ones accepted and closed at once.</summary>
    public void DropClose() => Switch(new Setting(ProxyMode.DropClose, 0, 0), cutOpen: true);

    /// <summary>Open connections are cut; new ones are accepted and read, and nothing ever answers (the caller times out).</summary>
    public void Blackhole() => Switch(new Setting(ProxyMode.Blackhole, 0, 0), cutOpen: true);

    /// <summary>Each connection is cut once <paramref name="bytes"/> of what the client sends have been forwarded (counted from now).</summary>
    public void CutRequestAfter(long bytes) => Switch(new Setting(ProxyMode.CutRequest, 0, bytes), cutOpen: false);

    /// <summary>Requests reach the server whole; each connection is cut as soon as the server starts answering.</summary>
    public void CutResponse() => Switch(new Setting(ProxyMode.CutResponse, 0, 0), cutOpen: false);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var connection in _open.Keys)
        {
            connection.Close();
        }

        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private void Switch(Setting setting, bool cutOpen)
    {
        _setting = setting;
        if (cutOpen)
        {
            foreach (var connection in _open.Keys)
            {
                Cut(connection);
            }
        }
    }

    private void Cut(Connection connection) => connection.Close(() => Interlocked.Increment(ref _cuts));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var setting = _setting;
        if (setting.Mode == ProxyMode.DropClose)
        {
            Interlocked.Increment(ref _cuts);
            client.Dispose();
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var connection = new Connection(client, server);
        _open[connection] = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            await Task.WhenAll(PumpAsync(connection, client, server, request: true), PumpAsync(connection, server, client, request: false));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            connection.Close();
            _open.TryRemove(connection, out _);
        }
    }

    /// <summary>Moves one direction's bytes, applying whatever the proxy is set to at each chunk.</summary>
    private async Task PumpAsync(Connection connection, Socket from, Socket to, bool request)
    {
        var buffer = new byte[16 * 1024];
        Setting? counted = null;
        long forwarded = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var setting = _setting;
                if (!ReferenceEquals(setting, counted))
                {
                    (counted, forwarded) = (setting, 0); // a cut counts bytes from the moment it was set
                }

                var chunk = buffer.AsMemory(0, read);
                switch (setting.Mode)
                {
                    case ProxyMode.Delay:
                        await Task.Delay(setting.DelayMs, _stop.Token);
                        break;
                    case ProxyMode.Blackhole:
                        continue;
                    case ProxyMode.DropClose:
                        Cut(connection);
                        return;
                    case ProxyMode.CutRequest when request && forwarded + read > setting.Bytes:
                        await to.SendAsync(chunk[..(int)(setting.Bytes - forwarded)], SocketFlags.None, _stop.Token);
                        Cut(connection);
                        return;
                    case ProxyMode.CutResponse when !request:
                        Cut(connection);
                        return;
                }

                await to.SendAsync(chunk, SocketFlags.None, _stop.Token);
                forwarded += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            connection.Close();
        }
    }

    private sealed record Setting(ProxyMode Mode, int DelayMs, long Bytes);

    /// <summary>Both sockets of one proxied connection; closed once, by whichever side ends first.</summary>
    private sealed class Connection(Socket client, Socket server)
    {
        private int _closed;

        /// <summary>Closes both sockets; <paramref name="first"/> runs (before they close) only for the call that closes them.</summary>
        public void Close(Action? first = null)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            first?.Invoke();
            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // a reset, as a crashed peer or a cut cable would leave
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }
    }
}
