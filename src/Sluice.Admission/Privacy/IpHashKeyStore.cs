using System.Security.Cryptography;
using Sluice.Core.IO;

namespace Sluice.Admission.Privacy;

/// <summary>
/// Where the IP hash secret comes from: the configuration, or a key generated on first start and kept under the
/// data directory (meta/ip-hash.key, mode 0600) so hashes stay comparable across restarts.
/// </summary>
public static class IpHashKeyStore
{
    public const string FileName = "ip-hash.key";

    public static byte[] LoadOrCreate(string? configuredBase64, string metaDirectory)
    {
        if (!string.IsNullOrEmpty(configuredBase64))
        {
            return Convert.FromBase64String(configuredBase64);
        }

        var path = Path.Combine(metaDirectory, FileName);
        if (File.Exists(path))
        {
            Span<byte> stored = stackalloc byte[256];
            if (!Convert.TryFromBase64String(File.ReadAllText(path).Trim(), stored, out var length) || length < 16)
            {
                throw new InvalidDataException($"{path} does not hold a base64 key of at least 16 bytes; restore it, or remove it to start new hashes");
            }

            return stored[..length].ToArray();
        }

        Directory.CreateDirectory(metaDirectory);
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600 from the start: the secret is never readable by others, not even for a moment.
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temp, create))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        NativeFile.FlushDirectory(metaDirectory);
        return key;
    }
}
