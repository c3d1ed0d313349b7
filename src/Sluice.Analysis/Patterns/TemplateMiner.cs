using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// Online log template miner of the Drain family: masks values, routes the message through a prefix tree by length and
/// leading tokens, joins the most similar pattern (generalising it) or starts a new one. Adds over Drain: generic
/// masking with variables spanning tokens folded into one, lookups that also follow wildcard branches, merging of
/// patterns whose templates converge, a bound with eviction, learnt templates and regexes, and a cache of masked
/// sequences. Not thread-safe: the caller serialises calls.
/// <para>
/// Longer than most files: joining, generalising, merging, evicting and the learnt patterns all keep the same
/// indexes (the tree, the live and template maps, the cross-length index) in step, and are read together here.
/// </para>
/// </summary>
internal sealed class TemplateMiner
{
    private readonly MinerOptions _options;
    private readonly MaskedLine _line = new();
    private readonly PrefixTree _tree;
    private readonly Dictionary<string, MinedPattern> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MinedPattern> _byTemplate = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, MinedPattern> _cache = [];
    private readonly List<MinedPattern> _learnt = [];
    private readonly Dictionary<ulong, List<MinedPattern>> _byLead = [];
    private long _sequence;
    private long _clock;

    public TemplateMiner(MinerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPatterns, 1);
        _options = options;
        _tree = new PrefixTree(options.PrefixDepth, options.MaxChildren);
    }

    /// <summary>Raised when a mined pattern is dropped to stay within <see cref="MinerOptions.MaxPatterns"/>.</summary>
    public event EventHandler<PatternEvictedEventArgs>? Evicted;

    /// <summary>The live patterns: mined, restored and learnt (not those merged away or evicted).</summary>
    public IReadOnlyCollection<MinedPattern> Patterns => _live.Values;

    /// <summary>Learns from a message: returns the pattern it joins, after creating or generalising it.</summary>
    public MinedPattern Add(ReadOnlySpan<byte> utf8Message)
    {
        _clock++;
        var pattern = MatchLearnt(utf8Message);
        if (pattern is null)
        {
            VariableMasker.Mask(utf8Message, _line);
            pattern = FromCache();
            if (pattern is null)
            {
                pattern = Join();
                Remember(pattern);
            }
        }
        pattern.Count++;
        pattern.LastSeen = _clock;
        return pattern;
    }

    /// <summary>The pattern a message would join, without learning anything; null if it would start a new one.</summary>
    public MinedPattern? Match(ReadOnlySpan<byte> utf8Message)
    {
        var learnt = MatchLearnt(utf8Message);
        if (learnt is not null)
        {
            return learnt;
        }
        VariableMasker.Mask(utf8Message, _line);
        return FromCache() ?? Closest() ?? ElasticCovering();
    }

    /// <summary>
    /// Rebuilds a pattern from a persisted catalog, under its old id, so the same messages find it again;
    /// <paramref name="elastic"/> when it had taken messages of other lengths, so they still join it.
    /// </summary>
    public MinedPattern Restore(string id, string template, long count, bool elastic = false)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!PatternIds.IsValid(id))
        {
            throw new ArgumentException($"A pattern id is {PatternIds.Length} lowercase hex digits: '{id}'.", nameof(id));
        }
        var tokens = TemplateTokens.Parse(template);
        if (_live.TryGetValue(id, out var existing))
        {
            return existing.Template == tokens.Text
                ? existing
                : throw new ArgumentException($"Pattern {id} is already live with another template.", nameof(id));
        }
        var pattern = new MinedPattern(id, tokens, _sequence++) { Count = count, LastSeen = _clock, Elastic = elastic };
        Insert(pattern);
        return pattern;
    }

    /// <summary>A user's template, <c>&lt;*&gt;</c> standing for any text; it wins over mined patterns.</summary>
    public MinedPattern Learn(string template, string? name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(template);
        var tokens = TemplateTokens.Parse(template);
        var regex = new Regex(LearntTemplates.ToRegex(tokens.Text), RegexOptions.CultureInvariant | RegexOptions.Singleline, _options.RegexTimeout);
        return AddLearnt(new MinedPattern(NewId("learn " + tokens.Text), tokens, _sequence++) { Learnt = true, Name = name, Regex = regex });
    }

    /// <summary>A user's regex (searched in the whole message, with a timeout); it is tried before anything mined.</summary>
    public MinedPattern LearnRegex(string regex, string? name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(regex);
        var compiled = new Regex(regex, RegexOptions.CultureInvariant, _options.RegexTimeout);
        var tokens = TemplateTokens.Parse(regex);
        return AddLearnt(new MinedPattern(NewId("regex " + regex), tokens, _sequence++) { Learnt = true, Name = name, Regex = compiled, RegexText = regex });
    }

    /// <summary>The patterns nearest a message, best first, with a score in [0, 1] (1: the template covers it).</summary>
    public IReadOnlyList<(MinedPattern Pattern, double Score)> Similar(ReadOnlySpan<byte> utf8Message, int max) =>
        Similar([.. _live.Values], utf8Message, max);

    /// <summary>
    /// <see cref="Similar(ReadOnlySpan{byte}, int)"/> over patterns taken earlier with <see cref="Snapshot"/>: it reads
    /// only what a pattern replaces whole (its tokens), so it may run outside the lock that serialises the miner.
    /// </summary>
    public static IReadOnlyList<(MinedPattern Pattern, double Score)> Similar(IReadOnlyList<MinedPattern> patterns, ReadOnlySpan<byte> utf8Message, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        string? text = null;
        var line = new MaskedLine();
        VariableMasker.Mask(utf8Message, line);
        var scored = new List<(MinedPattern Pattern, double Score)>();
        foreach (var pattern in patterns)
        {
            double score;
            if (pattern.RegexText is not null)
            {
                text ??= Encoding.UTF8.GetString(utf8Message);
                score = LearntTemplates.IsMatch(pattern.Regex!, text) ? 1 : 0;
            }
            else
            {
                score = TemplateSimilarity.Aligned(pattern.Tokens, line);
            }
            if (score > 0)
            {
                scored.Add((pattern, score));
            }
        }
        scored.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : b.Pattern.Count.CompareTo(a.Pattern.Count));
        return scored.Count > max ? scored.GetRange(0, max) : scored;
    }

    internal PrefixTree Tree => _tree;

    /// <summary>The live patterns at this moment.</summary>
    public MinedPattern[] Snapshot() => [.. _live.Values];

    private MinedPattern AddLearnt(MinedPattern pattern)
    {
        // Learning the same template or regex again names the pattern learnt first.
        if (_learnt.Find(p => p.RegexText == pattern.RegexText && p.Tokens.Text == pattern.Tokens.Text) is { } known)
        {
            return known;
        }

        _learnt.Add(pattern);
        _live.Add(pattern.Id, pattern);
        // Cached answers were given without this pattern; it now comes first.
        _cache.Clear();
        return pattern;
    }

    private MinedPattern? MatchLearnt(ReadOnlySpan<byte> utf8Message)
    {
        if (_learnt.Count == 0)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(utf8Message);
        foreach (var pattern in _learnt)
        {
            if (LearntTemplates.IsMatch(pattern.Regex!, text))
            {
                return pattern;
            }
        }
        return null;
    }

    private MinedPattern? FromCache()
    {
        if (!_cache.TryGetValue(_line.SequenceHash, out var cached))
        {
            return null;
        }
        cached = cached.Current;
        return !cached.Evicted && cached.Accepts(_line) ? cached : null;
    }

    private void Remember(MinedPattern pattern)
    {
        if (_cache.Count >= _options.CacheEntries)
        {
            _cache.Clear();
        }
        _cache[_line.SequenceHash] = pattern;
    }

    private MinedPattern? Closest()
    {
        MinedPattern? best = null;
        var bestScore = -1.0;
        foreach (var leaf in _tree.Candidates(_line))
        {
            foreach (var pattern in leaf.Patterns)
            {
                var score = TemplateSimilarity.Positional(pattern.Tokens, _line);
                if (score > bestScore || (score == bestScore && pattern.Sequence < best!.Sequence))
                {
                    best = pattern;
                    bestScore = score;
                }
            }
        }
        return bestScore >= _options.SimilarityThreshold ? best : null;
    }

    private MinedPattern Join()
    {
        var best = Closest();
        if (best is null)
        {
            return AcrossLengths() ?? Create();
        }
        var general = best.Tokens.Generalise(_line);
        if (ReferenceEquals(general, best.Tokens))
        {
            return best;
        }
        if (best.Tokens.DiffersOnlyInValues(_line))
        {
            return Retemplate(best, general);
        }
        // A differing word: generalise only once enough distinct words were seen there, as patterns of their own.
        var siblings = CoveredBy(general);
        if (siblings.Count + 1 < _options.DistinctWordsForVariable)
        {
            return Create();
        }
        var survivor = siblings.MinBy(p => p.Sequence)!;
        foreach (var sibling in siblings)
        {
            if (sibling != survivor)
            {
                Absorb(survivor, sibling);
            }
        }
        return Retemplate(survivor, general);
    }

    /// <summary>
    /// A message no pattern of its length takes: joins a pattern of another length that starts with the same two tokens
    /// when the two align with values in every gap; the pattern becomes elastic.
    /// </summary>
    private MinedPattern? AcrossLengths()
    {
        if (ElasticCovering() is { } covering)
        {
            return covering;
        }
        if (_line.Count == 0 || !_byLead.TryGetValue(LeadKey(_line), out var candidates))
        {
            return null;
        }
        MinedPattern? best = null;
        List<string>? bestTokens = null;
        var bestScore = _options.SimilarityThreshold;
        var compared = 0;
        foreach (var pattern in candidates)
        {
            if (!pattern.IsLive)
            {
                continue;
            }
            // Each comparison is an alignment of up to 96 × 96 tokens: past the bound, a flood of messages sharing
            // their first two tokens would make every new one cost thousands of them, under the caller's lock.
            if (++compared > _options.MaxCrossLengthCandidates)
            {
                break;
            }
            var longer = Math.Max(pattern.Tokens.Count, _line.Count);
            if ((double)Math.Min(pattern.Tokens.Count, _line.Count) / longer < bestScore)
            {
                continue; // even a perfect alignment would score too low
            }
            if (ElasticAlignment.Merge(pattern.Tokens, _line) is { } merge && merge.Score >= bestScore
                && (best is null || merge.Score > bestScore || pattern.Sequence < best.Sequence))
            {
                (best, bestTokens, bestScore) = (pattern, merge.Tokens, merge.Score);
            }
        }
        if (best is null)
        {
            return null;
        }
        best.Elastic = true;
        var tokens = TemplateTokens.Of(bestTokens!);
        return tokens.SameAs(best.Tokens) ? best : Retemplate(best, tokens);
    }

    /// <summary>An elastic pattern starting with the message's first two tokens that matches it as it is.</summary>
    private MinedPattern? ElasticCovering()
    {
        if (_line.Count == 0 || !_byLead.TryGetValue(LeadKey(_line), out var candidates))
        {
            return null;
        }
        var compared = 0;
        foreach (var pattern in candidates)
        {
            if (pattern.Elastic && pattern.IsLive && ++compared <= _options.MaxCrossLengthCandidates && ElasticAlignment.Covers(pattern.Tokens, _line))
            {
                return pattern;
            }
        }
        return null;
    }

    private MinedPattern Create()
    {
        var tokens = TemplateTokens.From(_line);
        var created = new MinedPattern(NewId(tokens.Text), tokens, _sequence++) { LastSeen = _clock };
        Insert(created);
        return created;
    }

    /// <summary>The live patterns of the message's candidate leaves that the template covers.</summary>
    private List<MinedPattern> CoveredBy(TemplateTokens template)
    {
        var covered = new List<MinedPattern>();
        foreach (var leaf in _tree.Candidates(_line))
        {
            foreach (var pattern in leaf.Patterns)
            {
                if (template.Covers(pattern.Tokens))
                {
                    covered.Add(pattern);
                }
            }
        }
        return covered;
    }

    /// <summary>Folds a pattern into another: counts add up and the merged one points at the survivor.</summary>
    private void Absorb(MinedPattern survivor, MinedPattern merged)
    {
        survivor.Count += merged.Count;
        survivor.LastSeen = Math.Max(survivor.LastSeen, merged.LastSeen);
        Remove(merged);
        merged.MergedInto = survivor;
    }

    /// <summary>Gives a pattern its generalised template; if another pattern already has it, the later merges into the earlier.</summary>
    private MinedPattern Retemplate(MinedPattern pattern, TemplateTokens tokens)
    {
        if (_byTemplate.TryGetValue(pattern.Tokens.Text, out var holder) && holder == pattern)
        {
            _byTemplate.Remove(pattern.Tokens.Text);
        }
        pattern.Tokens = tokens;
        if (!_byTemplate.TryGetValue(tokens.Text, out var twin) || !twin.IsLive)
        {
            _byTemplate[tokens.Text] = pattern;
            return pattern;
        }
        var (survivor, merged) = twin.Sequence < pattern.Sequence ? (twin, pattern) : (pattern, twin);
        Absorb(survivor, merged);
        _byTemplate[tokens.Text] = survivor;
        return survivor;
    }

    private void Insert(MinedPattern pattern)
    {
        var leaf = _tree.LeafFor(pattern.Tokens.Hashes);
        leaf.Patterns.Add(pattern);
        pattern.Leaf = leaf;
        _live.Add(pattern.Id, pattern);
        _byTemplate.TryAdd(pattern.Tokens.Text, pattern);
        if (pattern.Tokens.Count > 0)
        {
            pattern.Lead = LeadKey(pattern.Tokens.Hashes);
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_byLead, pattern.Lead, out _);
            (list ??= []).Add(pattern);
        }
        if (_live.Count > _options.MaxPatterns)
        {
            EvictOneBesides(pattern);
        }
    }

    private void Remove(MinedPattern pattern)
    {
        if (pattern.Leaf is { } leaf)
        {
            leaf.Patterns.Remove(pattern);
            _tree.Release(leaf);
        }
        pattern.Leaf = null;
        _live.Remove(pattern.Id);
        if (pattern.Tokens.Count > 0 && _byLead.TryGetValue(pattern.Lead, out var list))
        {
            list.Remove(pattern);
        }
        if (_byTemplate.TryGetValue(pattern.Tokens.Text, out var holder) && holder == pattern)
        {
            _byTemplate.Remove(pattern.Tokens.Text);
        }
    }

    /// <summary>Drops the rarest mined pattern, the least recently seen among equals; learnt ones stay.</summary>
    private void EvictOneBesides(MinedPattern keep)
    {
        MinedPattern? victim = null;
        foreach (var pattern in _live.Values)
        {
            if (pattern.Learnt || pattern == keep)
            {
                continue;
            }
            if (victim is null || pattern.Weight < victim.Weight || (pattern.Weight == victim.Weight && pattern.LastSeen < victim.LastSeen))
            {
                victim = pattern;
            }
        }
        if (victim is null)
        {
            return;
        }
        Remove(victim);
        victim.Evicted = true;
        Evicted?.Invoke(this, new PatternEvictedEventArgs(victim));
    }

    /// <summary>The key of the cross-length index: the first two tokens (one for a one-token message).</summary>
    private static ulong LeadKey(ReadOnlySpan<ulong> tokens) =>
        tokens.Length == 1 ? tokens[0] : TemplateTokens.MixSequence(tokens[0], tokens[1]);

    private static ulong LeadKey(MaskedLine line) =>
        line.Count == 1 ? line.Hash(0) : TemplateTokens.MixSequence(line.Hash(0), line.Hash(1));

    private string NewId(string template) => PatternIds.For(template, _live.ContainsKey);
}
