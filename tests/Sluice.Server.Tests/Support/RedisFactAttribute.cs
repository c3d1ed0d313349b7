namespace Sluice.Server.Tests.Support;

/// <summary>
/// A test against the real Redis that scripts/test.sh starts and names in <c>SLUICE_TEST_REDIS</c>. Without the
/// variable (a plain <c>dotnet test</c>) the test is skipped and says why; with it, a Redis that does not answer
/// fails the test. Tests keep apart by a key prefix of their own (<see cref="NewPrefix"/>).
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public const string Variable = "SLUICE_TEST_REDIS";

    public RedisFactAttribute()
    {
        if (Url is null)
        {
            Skip = $"{Variable} is not set: scripts/test.sh starts Debian's redis-server and sets it";
        }
    }

    public static string? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url : null;

    /// <summary>A key prefix no other test uses.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12] + ":";
}

/// <summary>
/// A Redis of the test's own (scripts/redis.sh under a temporary directory, on a free port), for tests that kill and
/// restart it: the shared one of <see cref="RedisFactAttribute"/> must stay up for the tests running beside them.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string _dir;

    private PrivateRedis(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var redis = new PrivateRedis(Path.Combine(Path.GetTempPath(), "sluice-redis-" + Guid.NewGuid().ToString("N")[..12]), FreePort());
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts it (again, after <see cref="KillAsync"/>) on the same port, empty as after a crash.</summary>
    public Task StartAgainAsync() => RunAsync("start", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>SIGKILL, as a crash would.</summary>
    public Task KillAsync() => RunAsync("kill");

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop");
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private async Task RunAsync(string command, string? port = null)
    {
        var script = Path.Combine(RepoRoot(), "scripts", "redis.sh");
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, command, _dir }.Concat(port is null ? [] : [port]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/redis.sh {command} failed: {await output}{await error}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("no Sluice.slnx above the test binaries");
    }
}
