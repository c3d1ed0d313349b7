using System.Runtime.InteropServices;

namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// Caps this process's data memory (heap and private writable mappings) with <c>setrlimit(RLIMIT_DATA)</c>, so
/// an allocation past the cap fails inside the process — the engine reports it as out of memory — instead of the
/// machine giving the memory away. Linux only; elsewhere nothing is capped and <see cref="TryLimitData"/> says so.
/// </summary>
internal static class ProcessLimits
{
    private const int RlimitData = 2; // RLIMIT_DATA on Linux (x86-64 and arm64)

    public static bool TryLimitData(long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var limit = new RLimit { Current = (ulong)bytes, Maximum = (ulong)bytes };
        return SetRLimit(RlimitData, ref limit) == 0;
    }

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
