using System.Diagnostics;
using System.Globalization;

namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// One SQL worker process, seen from the server: a request in, a reply out, over its standard streams. When the
/// caller's token fires (deadline or a client gone) the process is killed, which ends the statement at once
/// whatever the engine is doing; a killed or dead worker is not used again.
/// </summary>
internal sealed class SqlWorker : IDisposable
{
    private readonly Process _process;
    private readonly BinaryWriter _requests;
    private readonly BinaryReader _replies;

    private SqlWorker(Process process)
    {
        _process = process;
        _requests = new BinaryWriter(process.StandardInput.BaseStream);
        _replies = new BinaryReader(process.StandardOutput.BaseStream);
    }

    public bool Alive => !_process.HasExited;

    /// <summary>The process's resident memory now; <see cref="long.MaxValue"/> once it has ended (not worth keeping).</summary>
    public long ResidentBytes
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.WorkingSet64;
            }
            catch (InvalidOperationException)
            {
                return long.MaxValue; // it ended between the caller's Alive check and this read
            }
        }
    }

    public static SqlWorker Start(SqlWorkerLaunch launch, SqlWorkerSettings settings, Action<string> log)
    {
        var info = new ProcessStartInfo(launch.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--memory-mb");
        info.ArgumentList.Add((settings.MemoryBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--threads");
        info.ArgumentList.Add(settings.Threads.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--partitions");
        info.ArgumentList.Add(settings.Partitions);
        info.ArgumentList.Add("--archive");
        info.ArgumentList.Add(settings.Archive);

        // Workstation GC with a heap cap: the managed side only reads rows and writes the answer.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_GCHeapHardLimit"] = (settings.MemoryBytes / 4).ToString("X", CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException("the SQL worker did not start");
        process.ErrorDataReceived += (_, line) =>
        {
            if (!string.IsNullOrWhiteSpace(line.Data))
            {
                log(line.Data);
            }
        };
        process.BeginErrorReadLine();
        return new SqlWorker(process);
    }

    /// <summary>Sends the request and waits for the reply; throws <see cref="SqlWorkerLostException"/> if the process ends first.</summary>
    public SqlWorkerReply Run(SqlWorkerRequest request, IEnumerable<(ReadOnlyMemory<byte>, long)> rows, CancellationToken cancel)
    {
        using var stop = cancel.Register(Kill);
        try
        {
            cancel.ThrowIfCancellationRequested();
            SqlWorkerProtocol.WriteRequest(_requests, request, rows);
            return SqlWorkerProtocol.ReadReply(_replies);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or InvalidOperationException)
        {
            cancel.ThrowIfCancellationRequested();
            Kill();
            _process.WaitForExit(1000);
            throw new SqlWorkerLostException(_process.HasExited ? _process.ExitCode : -1);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        try
        {
            _requests.Dispose(); // the worker exits when its input closes
            if (!_process.WaitForExit(2000))
            {
                Kill();
            }
        }
        catch (IOException)
        {
            Kill();
        }

        _replies.Dispose();
        _process.Dispose();
    }
}

/// <summary>A worker that ended while it held a statement: killed by the kernel, or crashed, most often for memory.</summary>
public sealed class SqlWorkerLostException(int exitCode)
    : Exception($"the query's engine process stopped while running it (exit code {exitCode}), most likely out of memory")
{
    public int ExitCode { get; } = exitCode;
}
