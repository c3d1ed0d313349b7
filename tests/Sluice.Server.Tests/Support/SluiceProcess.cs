using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>The real <c>sluice</c> executable in a process of its own, so a test can SIGKILL it.</summary>
public sealed class SluiceProcess : IDisposable
{
    private readonly Process _process;

    private SluiceProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "sluice.dll");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Task<SluiceProcess> StartAsync(string dataDir, int port, params string[] extra) =>
        StartAsync(dataDir, port, new Dictionary<string, string>(), extra);

    /// <summary>Starts sluice with extra environment variables (settings as <c>SLUICE__Section__Key</c>).</summary>
    public static async Task<SluiceProcess> StartAsync(string dataDir, int port, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in new[] { Executable, "serve", "--listen", $"127.0.0.1:{port}", "--data", dataDir }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        return await StartAsync(info, port);
    }

    /// <summary>Starts whatever <paramref name="info"/> runs (it must end in <c>sluice serve</c> listening on the port).</summary>
    public static async Task<SluiceProcess> StartAsync(ProcessStartInfo info, int port)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SluiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        await server.WaitReadyAsync();
        return server;
    }

    public async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"sluice exited with code {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                if ((await http.GetAsync(new Uri(Url, "health/ready"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("sluice did not become ready in 60 s");
    }

    /// <summary>Waits for the process to end by itself (a crash point it reached); false if it is still running.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
