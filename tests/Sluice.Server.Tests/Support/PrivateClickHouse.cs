using System.Diagnostics;
using System.Globalization;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A ClickHouse of the test's own (scripts/clickhouse.sh under a temporary directory, on free ports), for tests that
/// stop and restart it, or that need a cluster of shards: the shared one of <see cref="ClickHouseFactAttribute"/>
/// must stay up for the tests running beside it.
/// </summary>
public sealed class PrivateClickHouse : IAsyncDisposable
{
    private readonly string _dir;
    private readonly string? _shards;

    private PrivateClickHouse(string dir, int port, string? shards)
    {
        _dir = dir;
        Port = port;
        _shards = shards;
    }

    /// <summary>The HTTP port; the native (TCP) port is the next one, which shards name each other by.</summary>
    public int Port { get; }

    public int TcpPort => Port + 1;

    public string Url => $"http://127.0.0.1:{Port}";

    public static Task<PrivateClickHouse> StartAsync() => StartAsync(ReservePorts(), null);

    /// <summary>A server whose config names a cluster <c>sluice</c> of these shards (by "127.0.0.1:TCP_PORT").</summary>
    public static async Task<PrivateClickHouse> StartAsync(int port, string? shards)
    {
        var server = new PrivateClickHouse(Path.Combine(Path.GetTempPath(), "sluice-ch-" + Guid.NewGuid().ToString("N")[..12]), port, shards);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Two shards that know each other as cluster <c>sluice</c>.</summary>
    public static async Task<(PrivateClickHouse First, PrivateClickHouse Second)> StartPairAsync()
    {
        var (a, b) = (ReservePorts(), ReservePorts(excluding: 0));
        while (Math.Abs(a - b) < 3)
        {
            b = ReservePorts();
        }

        var shards = $"127.0.0.1:{a + 1},127.0.0.1:{b + 1}";
        var first = await StartAsync(a, shards);
        try
        {
            return (first, await StartAsync(b, shards));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts it (again, after <see cref="StopAsync"/>) on the same ports, with what it held before.</summary>
    public Task StartAgainAsync() => RunAsync("start", Port.ToString(CultureInfo.InvariantCulture));

    public Task StopAsync() => RunAsync("stop");

    /// <summary>Runs a statement over HTTP and answers its text (trimmed).</summary>
    public async Task<string> QueryAsync(string sql)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(Url + "/", new StringContent(sql));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"ClickHouse refused {sql}: {text}");
        return text.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop");
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task RunAsync(string command, string? port = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (_shards is not null)
        {
            start.Environment["CLICKHOUSE_SHARDS"] = _shards;
        }

        foreach (var arg in new[] { Path.Combine(PrivateRedis.RepoRoot(), "scripts", "clickhouse.sh"), command, _dir }.Concat(port is null ? [] : [port]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/clickhouse.sh {command} failed: {await output}{await error}");
    }

    /// <summary>A free port whose next two are free too (HTTP, native TCP, interserver).</summary>
    private static int ReservePorts(int excluding = -1)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = SluiceProcess.FreePort();
            if (port != excluding && port < 65_000 && Free(port + 1) && Free(port + 2))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no three consecutive free ports");
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
