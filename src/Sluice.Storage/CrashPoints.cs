using System.Diagnostics;

namespace Sluice.Storage;

/// <summary>
/// Fault injection for crash tests: when the environment variable <c>SLUICE_CRASH_AT</c> names one of these points,
/// the process SIGKILLs itself there — between two steps whose order the recovery design depends on. Unset in
/// normal runs, where a check costs one string comparison per storage job.
/// </summary>
internal static class CrashPoints
{
    /// <summary>Parts written and renamed, manifest not yet written.</summary>
    public const string SealBeforeManifest = "seal-before-manifest";

    /// <summary>Manifest written, WAL not yet trimmed.</summary>
    public const string SealBeforeTrim = "seal-before-trim";

    /// <summary>Merged part renamed into place, manifest still lists the old parts.</summary>
    public const string CompactBeforeManifest = "compact-before-manifest";

    /// <summary>The manifest no longer lists parts (compacted, archived, dropped), but their files are still on disk.</summary>
    public const string RetiredBeforeDelete = "retired-before-delete";

    /// <summary>Part copied into the archive, manifest still lists the original.</summary>
    public const string ArchiveBeforeManifest = "archive-before-manifest";

    /// <summary>A sink's batch taken by its receiver (a 2xx from the forwarder's upstream), the cursor not yet saved.</summary>
    public const string SinkDeliveredBeforeCursor = "sink-delivered-before-cursor";

    private static readonly string? Armed = Environment.GetEnvironmentVariable("SLUICE_CRASH_AT");

    public static void Reach(string point)
    {
        if (Armed == point)
        {
            Process.GetCurrentProcess().Kill();
        }
    }
}
