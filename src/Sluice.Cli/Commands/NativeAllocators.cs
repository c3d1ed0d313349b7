using System.Runtime.InteropServices;

namespace Sluice.Cli.Commands;

/// <summary>
/// Process-wide native allocator settings, made by <c>serve</c> before the first part is written, that keep freed
/// native memory from staying resident (issue 14; peak RSS of a 2 M-event load about −130 MB, docs/benchmarks.md):
/// <list type="bullet">
/// <item>Arrow's Parquet writer takes some buffers (its encoders') from Arrow's default pool even though the writer
/// properties name the system pool. That pool is a bundled mimalloc, which reserved 1 GiB and kept ~100 MB of it
/// resident after the seals; <c>ARROW_DEFAULT_MEMORY_POOL=system</c> sends those buffers to malloc too.</item>
/// <item>glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), after which the seal's
/// and compaction's buffers come from its arenas and stay there once freed. A fixed threshold maps and unmaps
/// them.</item>
/// </list>
/// A setting the environment already makes (<c>ARROW_DEFAULT_MEMORY_POOL</c>, <c>MALLOC_MMAP_THRESHOLD_</c>) is
/// left as it is. Linux only.
/// </summary>
internal static class NativeAllocators
{
    private const string ArrowPoolVariable = "ARROW_DEFAULT_MEMORY_POOL";
    private const string MmapThresholdVariable = "MALLOC_MMAP_THRESHOLD_";
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h

    /// <summary>Blocks from this size up are mapped on their own and given back when freed (glibc's default start).</summary>
    internal const int MmapThresholdBytes = 256 * 1024;

    public static void Configure()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Native code reads the C environment, which Environment.SetEnvironmentVariable does not change on Unix.
        if (Environment.GetEnvironmentVariable(ArrowPoolVariable) is null)
        {
            _ = setenv(ArrowPoolVariable, "system", 0);
        }

        if (Environment.GetEnvironmentVariable(MmapThresholdVariable) is null)
        {
            _ = mallopt(MallocMmapThreshold, MmapThresholdBytes);
        }
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc")]
    private static extern int mallopt(int parameter, int value);
}
