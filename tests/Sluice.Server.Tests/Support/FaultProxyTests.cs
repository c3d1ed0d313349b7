using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>The fault proxy itself, against a target that records what reaches it and answers each chunk with "ok".</summary>
public sealed class FaultProxyTests
{
    [Fact]
    public async Task Passes_delays_and_then_cuts_a_request_after_the_bytes_it_was_told()
    {
        await using var target = new RecordingTarget();
        await using var proxy = FaultProxy.Start(target.Url);

        using (var client = await ConnectAsync(proxy))
        {
            await client.SendAsync("hello"u8.ToArray());
            Assert.Equal("ok", await ReadAsync(client));

            proxy.Delay(300);
            var watch = Stopwatch.StartNew();
            await client.SendAsync("slow"u8.ToArray());
            Assert.Equal("ok", await ReadAsync(client));
            Assert.InRange(watch.ElapsedMilliseconds, 550, 10_000); // both ways delayed
        }

        proxy.CutRequestAfter(10);
        using (var client = await ConnectAsync(proxy))
        {
            await client.SendAsync(new byte[4000]);
            Assert.Equal("", await ReadAsync(client));
        }

        await WaitAsync(() => target.Received == "hello".Length + "slow".Length + 10);
        Assert.Equal(1, proxy.Cuts);
    }

    [Fact]
    public async Task Cutting_the_response_lets_the_whole_request_through_and_answers_nothing()
    {
        await using var target = new RecordingTarget();
        await using var proxy = FaultProxy.Start(target.Url);
        proxy.CutResponse();
        using var client = await ConnectAsync(proxy);
        await client.SendAsync(new byte[3000]);
        Assert.Equal("", await ReadAsync(client));
        await WaitAsync(() => target.Received == 3000);
        Assert.Equal(1, proxy.Cuts);
    }

    [Fact]
    public async Task Dropping_cuts_open_connections_and_a_black_hole_reads_and_never_answers()
    {
        await using var target = new RecordingTarget();
        await using var proxy = FaultProxy.Start(target.Url);
        using var open = await ConnectAsync(proxy);
        await open.SendAsync("a"u8.ToArray());
        Assert.Equal("ok", await ReadAsync(open));

        proxy.DropClose();
        Assert.Equal("", await ReadAsync(open));
        using (var fresh = await ConnectAsync(proxy))
        {
            Assert.Equal("", await ReadAsync(fresh));
        }

        proxy.Blackhole();
        using var held = await ConnectAsync(proxy);
        await held.SendAsync("b"u8.ToArray());
        var read = held.ReceiveAsync(new byte[16]);
        Assert.NotSame(read, await Task.WhenAny(read, Task.Delay(500)));
        Assert.Equal(1, target.Received);
    }

    private static async Task<Socket> ConnectAsync(FaultProxy proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return socket;
    }

    /// <summary>What the peer sends until it closes or resets, up to one answer ("" when it closed first).</summary>
    private static async Task<string> ReadAsync(Socket socket)
    {
        var buffer = new byte[16];
        try
        {
            using var timeout = new CancellationTokenSource(5_000);
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (SocketException)
        {
            return "";
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    /// <summary>Counts the bytes it receives and answers "ok" to each chunk.</summary>
    private sealed class RecordingTarget : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private long _received;

        public RecordingTarget()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public long Received => Interlocked.Read(ref _received);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    _ = Task.Run(async () =>
                    {
                        using (socket)
                        {
                            var buffer = new byte[64 * 1024];
                            int read;
                            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                            {
                                Interlocked.Add(ref _received, read);
                                await socket.SendAsync("ok"u8.ToArray(), SocketFlags.None, _stop.Token);
                            }
                        }
                    });
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }
}
