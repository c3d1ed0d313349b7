using System.Text;
using System.Text.Json;
using Sluice.Core.IO;
using Sluice.Core.Options;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// The read-path feature flag: where questions are answered (<see cref="ReadPath"/>). It starts from
/// <c>ClickHouse:Reads</c>, is switched at runtime by <c>PUT /api/admin/features</c>, and the next question follows it,
/// so a rollback is one request. The choice is kept in the data directory so a restart does not undo it.
/// </summary>
public sealed class ReadPathSwitch
{
    private readonly string? _file;
    private volatile ReadPathChoice _current;

    /// <param name="file">Where a runtime choice is kept; null: in memory only.</param>
    public ReadPathSwitch(ReadPath configured, string? file)
    {
        _file = file;
        _current = new ReadPathChoice(configured, null, "configuration");
        if (file is not null && File.Exists(file))
        {
            try
            {
                var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllBytes(file));
                if (saved is not null && Enum.TryParse<ReadPath>(saved.Reads, ignoreCase: true, out var reads))
                {
                    _current = new ReadPathChoice(reads, saved.ChangedAtMs, "runtime");
                }
            }
            catch (JsonException)
            {
                // An unreadable choice falls back to the configuration; the next switch rewrites it.
            }
        }
    }

    public ReadPathChoice Current => _current;

    public ReadPath Reads => _current.Reads;

    /// <summary>Switches the read path; effective for the next question on this node.</summary>
    public ReadPathChoice Set(ReadPath reads, long nowMs)
    {
        var choice = new ReadPathChoice(reads, nowMs, "runtime");
        if (_file is not null)
        {
            var json = JsonSerializer.Serialize(new Saved(reads.ToString(), nowMs));
            AtomicFile.Write(_file, Encoding.UTF8.GetBytes(json));
        }

        _current = choice;
        return choice;
    }

    private sealed record Saved(string Reads, long ChangedAtMs);
}

/// <summary>The read path in force, when it was switched at runtime (null: never), and where it came from.</summary>
public sealed record ReadPathChoice(ReadPath Reads, long? ChangedAtMs, string Source);
