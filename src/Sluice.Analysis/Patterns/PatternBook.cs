using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// The server's log patterns (docs/patterns.md). It names each log message as it is parsed — an exact-message cache
/// first, then the template miner behind one lock — counts the stored events of each pattern once they are durable,
/// and keeps the catalog that survives restarts, so a message gets the same id before and after one.
/// </summary>
internal sealed class PatternBook : IPatternNamer, IPatternCatalogView, IStoredRowsObserver, Sluice.Query.Analytics.IPatternTemplates
{
    /// <summary>Learnt patterns kept at most (templates and regexes together): each is tried on every message the cache misses.</summary>
    public const int MaxLearnt = 1_000;

    /// <summary>Learnt regexes kept at most: each may take up to the miner's regex timeout on a message.</summary>
    public const int MaxLearntRegexes = 100;

    private readonly PatternOptions _options;
    private readonly string? _path;
    private readonly IClock _clock;
    private readonly Lock _saving = new();
    private readonly TemplateMiner _miner;
    private readonly MessageCache _cache;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CatalogEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CatalogEntry>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private long _version;
    private long _savedVersion;

    /// <param name="path">The catalog file; null keeps it in memory only (tests, benchmarks).</param>
    /// <param name="clock">The server's clock, for when a pattern was first stored (default: the system's).</param>
    public PatternBook(PatternOptions options, string? path, IClock? clock = null)
    {
        _options = options;
        _path = path;
        _clock = clock ?? SystemClock.Instance;
        _miner = new TemplateMiner(new MinerOptions { MaxPatterns = options.MaxPatterns });
        _cache = new MessageCache(options.CacheMessages);
        _byChars = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        if (path is not null)
        {
            try
            {
                Restore(PatternCatalogFile.Load(path));
            }
            catch (ArgumentException e)
            {
                // A template or regex in the file that the miner refuses: the file is not one this server wrote.
                throw new InvalidDataException($"{path} holds a pattern this server cannot restore: {e.Message}", e);
            }
        }
    }

    /// <summary>Patterns in the catalog, live or evicted.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryName(ReadOnlySpan<byte> message, EventLevel level, Span<byte> id)
    {
        message = Leading(message, _options.MaxMessageBytes);
        var hash = XxHash3.HashToUInt64(message);
        if (_cache.TryGet(hash, out var pattern))
        {
            pattern.NoteCacheHit();
        }
        else
        {
            long generation;
            lock (_gate)
            {
                generation = _cache.Generation;
                pattern = _miner.Add(message).Current;
                Entry(pattern, message);
            }

            _cache.Set(hash, pattern, generation);
        }

        return Encoding.ASCII.GetBytes(pattern.Id, id) == IPatternNamer.IdLength;
    }

    public void Observe(ReadOnlySpan<byte> rows, int count)
    {
        Span<char> id = stackalloc char[IPatternNamer.IdLength];
        var now = _clock.UnixMilliseconds;
        lock (_gate)
        {
            while (!rows.IsEmpty)
            {
                var length = RowLayout.ReadLength(rows);
                var row = rows[..length];
                rows = rows[length..];
                if (RowLayout.ReadKind(row) != EventKind.Log)
                {
                    continue;
                }

                ReadOnlySpan<byte> patternId = default, service = default;
                long weight = 1;
                var reader = new RowReader(row);
                while (reader.MoveNext())
                {
                    switch (reader.Tag)
                    {
                        case FieldTag.PatternId: patternId = reader.Value; break;
                        case FieldTag.Service: service = reader.Value; break;
                        case FieldTag.SampleWeight: weight = Math.Max(1, reader.Integer); break;
                    }
                }

                // Only ids the miner gave are counted: a client's own pattern_id must not grow the catalog.
                if (patternId.Length != IPatternNamer.IdLength || Encoding.ASCII.GetChars(patternId, id) != id.Length
                    || !_byChars.TryGetValue(id, out var entry))
                {
                    continue;
                }

                if (entry.FirstObservedMs == 0)
                {
                    entry.FirstObservedMs = now;
                }

                entry.Seen(RowLayout.ReadTimestamp(row), RowLayout.ReadLevel(row), weight);
                entry.AddService(service);
                _version++;
            }
        }
    }

    public IReadOnlyList<PatternSummary> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries.Values.Where(e => e.MergedInto is null).Select(e => e.Summarise())];
        }
    }

    public PatternSummary? Find(string id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var entry) ? entry.Summarise() : null;
        }
    }

    /// <summary>The template of pattern <paramref name="id"/>, or null when the catalog does not know it.</summary>
    public string? TemplateOf(string id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var entry) ? entry.Template : null;
        }
    }

    public string CurrentOf(string id)
    {
        lock (_gate)
        {
            // Merges point at earlier patterns, so the chain ends; the bound only guards a hand-edited catalog.
            for (var hops = 0; hops < 32 && _entries.TryGetValue(id, out var entry) && entry.MergedInto is { } next && next != id; hops++)
            {
                id = next;
            }

            return id;
        }
    }

    /// <summary>
    /// Learns the user's templates (<c>&lt;*&gt;</c> for variables) and regexes; from now on they take precedence over
    /// mined patterns. All or nothing: every entry is checked before any is learnt, and <see cref="ArgumentException"/>
    /// names the bad one by its index (<c>patterns[i]: …</c>). Learning a template or regex again names the same pattern.
    /// </summary>
    public IReadOnlyList<PatternSummary> Learn(IReadOnlyList<PatternToLearn> patterns)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            var p = patterns[i];
            try
            {
                if (p.Regex is { } regex)
                {
                    _ = new Regex(regex, RegexOptions.CultureInvariant);
                }
                else
                {
                    ArgumentException.ThrowIfNullOrWhiteSpace(p.Template);
                }
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"patterns[{i}]: {e.Message}", e);
            }
        }

        var learnt = new List<PatternSummary>();
        lock (_gate)
        {
            var known = _miner.Snapshot().Where(p => p.Learnt).ToList();
            var regexes = known.Count(p => p.RegexText is not null) + patterns.Count(p => p.Regex is not null);
            if (known.Count + patterns.Count > MaxLearnt || regexes > MaxLearntRegexes)
            {
                throw new ArgumentException($"patterns: at most {MaxLearnt} learnt patterns, {MaxLearntRegexes} of them regexes, are kept ({known.Count} are now)");
            }

            foreach (var p in patterns)
            {
                var pattern = p.Regex is { } regex ? _miner.LearnRegex(regex, p.Name) : _miner.Learn(p.Template!, p.Name);
                learnt.Add(Entry(pattern, default).Summarise());
            }

            _cache.Invalidate();
            _version++;
        }

        return learnt;
    }

    /// <summary>
    /// The known patterns nearest to <paramref name="message"/>, best first, each with a score in [0, 1]. Scored
    /// outside the lock ingest takes, on the patterns live when it starts: a slow comparison never holds up naming.
    /// </summary>
    public IReadOnlyList<(PatternSummary Pattern, double Score)> Similar(string message, int max)
    {
        MinedPattern[] live;
        lock (_gate)
        {
            live = _miner.Snapshot();
        }

        var scored = TemplateMiner.Similar(live, Leading(Encoding.UTF8.GetBytes(message), _options.MaxMessageBytes), max);
        lock (_gate)
        {
            return [.. scored.Select(s => (Entry(s.Pattern.Current, default).Summarise(), s.Score))];
        }
    }

    /// <summary>
    /// Saves the catalog if it changed since the last save; false when there was nothing to save. The entries are
    /// copied under the lock and written outside it, so the disk never holds up naming; saves are serialised.
    /// </summary>
    public bool Save()
    {
        if (_path is null)
        {
            return false;
        }

        lock (_saving)
        {
            List<SavedPattern> snapshot;
            long version;
            lock (_gate)
            {
                version = _version;
                if (version == _savedVersion)
                {
                    return false;
                }

                Prune();
                snapshot = [.. _entries.Values.OrderBy(e => e.FirstSeenMs).ThenBy(e => e.Id, StringComparer.Ordinal).Select(Saved)];
            }

            PatternCatalogFile.Save(_path, snapshot);
            _savedVersion = version;
            return true;
        }
    }

    private static SavedPattern Saved(CatalogEntry e)
    {
        e.SavedTemplate = e.Template;
        return new SavedPattern(e.Id, e.Type, e.Name, e.Template, e.Severity, e.Frequency,
            e.FirstSeenMs == long.MaxValue ? 0 : e.FirstSeenMs, e.LastSeenMs == long.MinValue ? 0 : e.LastSeenMs,
            e.Services, e.Example, e.MergedInto, e.Pattern is { IsLive: true })
        {
            FirstObservedMs = e.FirstObservedMs,
            Levels = e.Levels,
            Elastic = e.Pattern is { IsLive: true, Elastic: true },
        };
    }

    private CatalogEntry Entry(MinedPattern pattern, ReadOnlySpan<byte> example)
    {
        if (!_entries.TryGetValue(pattern.Id, out var entry))
        {
            entry = new CatalogEntry(pattern.Id, TypeOf(pattern)) { Pattern = pattern, Name = pattern.Name };
            _entries.Add(pattern.Id, entry);
            _version++;

            // Pruned as it grows, not only when saved: a flood of new messages must not outgrow the bound between saves.
            if (_entries.Count > 5 * _options.MaxPatterns)
            {
                Prune();
            }
        }

        // A pattern evicted (or merged away) and made again under the same id takes its place.
        if (entry.Pattern is not { IsLive: true })
        {
            entry.Pattern = pattern;
        }

        if (entry.Example is null && !example.IsEmpty)
        {
            var text = Encoding.UTF8.GetString(example);
            entry.Example = text.Length > CatalogEntry.MaxExampleChars ? text[..CatalogEntry.MaxExampleChars] : text;
        }

        return entry;
    }

    private static string TypeOf(MinedPattern pattern) => !pattern.Learnt ? "mined" : pattern.RegexText is null ? "learnt" : "regex";

    /// <summary>Keeps the catalog within four times the miner's bound (checked at each save, and whenever it passes five times): evicted patterns with the fewest events go first.</summary>
    private void Prune()
    {
        var limit = 4 * _options.MaxPatterns;
        if (_entries.Count <= limit)
        {
            return;
        }

        var gone = _entries.Values.Where(e => e.Pattern is not { IsLive: true } && !(e.Pattern?.Learnt ?? false))
            .OrderBy(e => e.Frequency).Take(_entries.Count - limit).ToList();
        foreach (var e in gone)
        {
            _entries.Remove(e.Id);
        }
    }

    private void Restore(List<SavedPattern> saved)
    {
        foreach (var s in saved)
        {
            MinedPattern? pattern = null;
            if (s.Live)
            {
                pattern = s.Type switch
                {
                    "learnt" => _miner.Learn(s.Template, s.Name),
                    "regex" => _miner.LearnRegex(s.Template, s.Name),
                    _ => _miner.Restore(s.Id, s.Template, s.Frequency, s.Elastic),
                };
            }

            var entry = new CatalogEntry(s.Id, s.Type)
            {
                Name = s.Name,
                Pattern = pattern?.Id == s.Id ? pattern : null,
                SavedTemplate = s.Template,
                SavedMergedInto = s.MergedInto,
                Severity = s.Severity,
                Frequency = s.Frequency,
                FirstSeenMs = s.FirstSeenMs == 0 ? long.MaxValue : s.FirstSeenMs,
                LastSeenMs = s.LastSeenMs == 0 ? long.MinValue : s.LastSeenMs,
                FirstObservedMs = s.FirstObservedMs,
                Example = s.Example,
            };
            foreach (var service in s.Services)
            {
                entry.AddService(Encoding.UTF8.GetBytes(service));
            }

            foreach (var (name, count) in s.Levels)
            {
                if (Levels.TryParse(Encoding.UTF8.GetBytes(name), out var level))
                {
                    entry.LevelCounts[(int)level] = count;
                }
            }

            _entries[s.Id] = entry;
        }
    }

    /// <summary>The first <paramref name="max"/> bytes, cut back to a whole UTF-8 character.</summary>
    private static ReadOnlySpan<byte> Leading(ReadOnlySpan<byte> message, int max)
    {
        if (message.Length <= max)
        {
            return message;
        }

        var end = max;
        while (end > 0 && (message[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return message[..end];
    }
}

/// <summary>A template (<c>&lt;*&gt;</c> for variables) or a regex the user teaches, with an optional name.</summary>
internal sealed record PatternToLearn(string? Template, string? Regex, string? Name);
