using System.Collections.Concurrent;
using System.Diagnostics;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

/// <summary>
/// A running <c>sluice</c> whose stdout and stderr lines are collected as they come, for the commands that run until
/// stopped (tail) or are stopped on purpose (an interrupted ingest). Its output is redirected: not a terminal.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public int ExitCode => _process.ExitCode;

    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Process.Start(StartInfo(environment, args))!);

    /// <summary>The built <c>sluice</c> with these arguments and extra environment variables, every stream redirected.</summary>
    internal static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(SluiceProcess.Executable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <summary>Waits (up to a minute) until <paramref name="condition"/> holds; fails the test otherwise.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGINT, as Ctrl-C does, and waits for the exit.</summary>
    public async Task InterruptAsync()
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await WaitForExitAsync();
    }

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // drains the redirected output
    }

    /// <summary>Kills the process at once, as a crash or a closed laptop would stop it.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
