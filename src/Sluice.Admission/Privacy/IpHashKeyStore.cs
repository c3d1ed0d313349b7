using System.Security.Cryptography;

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
            var stored = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (stored.Length < 16)
            {
                throw new InvalidDataException($"{path} holds a key shorter than 16 bytes");
            }

            return stored;
        }

        Directory.CreateDirectory(metaDirectory);
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        File.WriteAllText(temp, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path);
        return key;
    }
}
