namespace Sluice.Core.IO;

/// <summary>
/// An I/O failure in words fit for answers and health checks: what went wrong, never which path — the runtime's
/// messages name the file, and paths of the server's disk are not for clients. The whole exception goes to the log.
/// </summary>
public static class IoFailure
{
    /// <summary>No space left (ENOSPC), or the user's quota is used up (EDQUOT).</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException && (e.HResult & 0xFFFF) is var code && (OperatingSystem.IsWindows() ? code is 112 or 39 : code is 28 or 122);

    public static string Describe(Exception e) => e switch
    {
        _ when IsDiskFull(e) => "the disk is full",
        UnauthorizedAccessException => "permission was denied",
        IOException io when !OperatingSystem.IsWindows() && (io.HResult & 0xFFFF) == 30 => "the file system is read-only",
        IOException => "an I/O error",
        _ => "an internal error",
    } + " (the server log has the details)";
}
