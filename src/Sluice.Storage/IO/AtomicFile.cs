using Sluice.Core.IO;

namespace Sluice.Storage.IO;

/// <summary>Replaces a file so that a crash leaves either the old content or the new: temp, fsync, rename, fsync of the directory.</summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + TempSuffix;
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, content, 0);
            NativeFile.FlushData(handle);
        }

        Publish(temp, path);
    }

    /// <summary>Syncs a finished temp file, renames it into place, and syncs the directory that now names it.</summary>
    public static void Publish(string temp, string path)
    {
        using (var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            NativeFile.FlushData(handle);
        }

        File.Move(temp, path, overwrite: true);
        NativeFile.FlushDirectory(Path.GetDirectoryName(path)!);
    }
}
