using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sluice.Core.IO;

/// <summary>The few durability calls .NET does not expose directly: fdatasync of a file and fsync of a directory.</summary>
public static class NativeFile
{
    // O_RDONLY alone: enough to fsync a directory, and the same number on every Linux architecture
    // (O_DIRECTORY is 0x10000 on x86 but 0x4000 on arm64, where 0x10000 means O_DIRECT).
    private const int ReadOnly = 0;

    /// <summary>Makes a file's written data durable (fdatasync on Linux: the size is flushed, not the mtime).</summary>
    public static void FlushData(SafeFileHandle handle)
    {
        if (OperatingSystem.IsLinux())
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                if (fdatasync((int)handle.DangerousGetHandle()) != 0)
                {
                    throw new IOException($"fdatasync failed with errno {Marshal.GetLastPInvokeError()}");
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }

            return;
        }

        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Makes the creation, rename or removal of entries in a directory durable.</summary>
    public static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed with errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int fdatasync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
