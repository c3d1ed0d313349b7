using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>The real <c>sluice</c> executable in a process of its own, so a test can SIGKILL it.</summary>
public sealed class SluiceProcess : IDisposable
{
    private const string ServingLine = "sluice: serving ";
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>Every line the child printed so far, stdout and stderr (its start-up banner and its logs).</summary>
    public IReadOnlyCollection<string> Output => _output;

    private SluiceProcess(Process process, int port)
    {
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Where the child listens: the port asked for, or the one it took for <see cref="AnyPort"/>.</summary>
    public Uri Url { get; private set; }

    public int ProcessId => _process.Id;

    /// <summary>Pass as the port to let the child's kernel pick one; <see cref="Url"/> then names the one it took.</summary>
    public const int AnyPort = 0;

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
        var process = new Process { StartInfo = info };
        var server = new SluiceProcess(process, port);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } all)
            {
                server._output.Enqueue(all);
            }

            if (line.Data is { } text && text.StartsWith(ServingLine, StringComparison.Ordinal))
            {
                server._serving.TrySetResult(new Uri(text[ServingLine.Length..].Split(' ')[0]));
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                server._output.Enqueue(text);
                server._errors.Enqueue(text);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitListeningAsync();
            await server.WaitReadyAsync();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Waits until the child says it listens. Before that, whatever answers on the port is not it: a port from
    /// <see cref="FreePort"/> can be taken by another test's server before the child binds it, and a test that took
    /// that server's /health/ready for its child's would send its events there (and later find them missing).
    /// </summary>
    private async Task WaitListeningAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exited = _process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(_serving.Task, exited);
        if (first != _serving.Task)
        {
            if (exited.IsCanceled)
            {
                throw new TimeoutException("sluice did not start listening in 60 s");
            }

            await _process.WaitForExitAsync(CancellationToken.None); // flushes the redirected output
            throw new InvalidOperationException($"sluice exited with code {_process.ExitCode} before listening: {string.Join(" | ", _errors)}");
        }

        Url = await _serving.Task;
        await timeout.CancelAsync();
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
