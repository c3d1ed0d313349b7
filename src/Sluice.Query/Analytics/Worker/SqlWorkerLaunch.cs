using System.Runtime.InteropServices;

namespace Sluice.Query.Analytics.Worker;

/// <summary>How to start a SQL worker: a program and the arguments before the worker's own.</summary>
public sealed record SqlWorkerLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The <c>sluice</c> executable beside this assembly (as built, and beside the tests), run by the .NET host the
    /// server runs on; null when it is not there, and then custom SQL is unavailable rather than unconfined.
    /// </summary>
    public static SqlWorkerLaunch? Beside()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "sluice.dll");
        if (!File.Exists(dll))
        {
            return null;
        }

        // shared/Microsoft.NETCore.App/<version>/ → the host three levels up.
        var host = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
        return new SqlWorkerLaunch(File.Exists(host) ? host : "dotnet", [dll, "sql-worker"]);
    }
}
