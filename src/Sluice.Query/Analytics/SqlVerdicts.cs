using System.Collections.Concurrent;

namespace Sluice.Query.Analytics;

/// <summary>
/// What the guard made of statements it admitted, by their exact text. A dashboard asks the same SQL again and again,
/// and the verdict depends on the text alone (the engine's parser and the guard's rules do not change while the server
/// runs), so a statement seen before skips the engine's parse and print-back: for counts by level from the stored
/// counts that parse was half the answer's time (issue 14). Refusals are not kept. Bounded: at most
/// <see cref="MaxEntries"/> statements of up to <see cref="MaxLength"/> characters; when full it starts over.
/// </summary>
internal sealed class SqlVerdicts
{
    private const int MaxEntries = 256;
    private const int MaxLength = 8 * 1024;
    private readonly ConcurrentDictionary<string, Verdict> _verdicts = new(StringComparer.Ordinal);

    /// <summary>A statement read and walked, and printed back once it first had to run.</summary>
    public sealed record Verdict(ReadSql Read, AdmittedSql? Admitted);

    public Verdict? Find(string sql) => _verdicts.TryGetValue(sql, out var verdict) ? verdict : null;

    public void Remember(string sql, ReadSql read, AdmittedSql? admitted)
    {
        if (sql.Length > MaxLength)
        {
            return;
        }

        if (_verdicts.Count >= MaxEntries && !_verdicts.ContainsKey(sql))
        {
            _verdicts.Clear();
        }

        _verdicts[sql] = new Verdict(read, admitted);
    }
}
