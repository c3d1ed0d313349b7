using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sluice.Cli.Ingest;

/// <summary>
/// How far an earlier <c>sluice ingest FILE</c> got: the input line and decoded byte offset through which the server
/// acknowledged every batch. Kept in <c>ingest/&lt;hash of the path&gt;.json</c> under the profiles directory,
/// keyed by the file's full path and checked against the hash of its first 64 KiB, so a different file at the same
/// path starts over. A file that grew since (a log still written) continues.
/// </summary>
internal sealed record IngestState(string Path, string HeadHash, long Size, string Format, long Line, long Offset, long Events)
{
    private const int HeadBytes = 64 * 1024;

    public static string StateFile(string stateDirectory, string fullPath) =>
        System.IO.Path.Combine(stateDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath))).AsSpan(0, 24).ToString() + ".json");

    /// <summary>The hash of the file's first 64 KiB: with the path, what names the file to resume and seeds event ids.</summary>
    public static string HashHead(string fullPath)
    {
        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var head = new byte[HeadBytes];
        var got = 0;
        while (got < head.Length && stream.Read(head, got, head.Length - got) is var n and > 0)
        {
            got += n;
        }

        return Convert.ToHexStringLower(SHA256.HashData(head.AsSpan(0, got)));
    }

    public static IngestState? Load(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<IngestState>(File.ReadAllText(file)) : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign file: start over rather than guess
        }
    }

    /// <summary>Writes to a temporary file and renames it over the old state, so a kill never leaves half a state.</summary>
    public void Save(string file)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this));
        File.Move(temporary, file, overwrite: true);
    }
}
