using System.Text.RegularExpressions;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// One template the miner knows: mined from messages, restored from a catalog, or learnt from the user.
/// Its id is fixed at creation and survives generalisation; a pattern merged into another points at the survivor.
/// </summary>
internal sealed class MinedPattern
{
    internal MinedPattern(string id, TemplateTokens tokens, long sequence)
    {
        Id = id;
        Tokens = tokens;
        Sequence = sequence;
    }

    /// <summary>16 lowercase hex digits, fixed when the pattern is first created.</summary>
    public string Id { get; }

    /// <summary>The template, tokens separated by one space and variables written as <c>&lt;*&gt;</c>.</summary>
    public string Template => RegexText ?? Tokens.Text;

    /// <summary>Messages that joined the pattern (including those of patterns merged into it).</summary>
    public long Count { get; internal set; }

    /// <summary>
    /// Messages named from the caller's exact-message cache, which never reach the miner; counted without the lock
    /// so that eviction does not take a pattern of repeated lines for a rare one.
    /// </summary>
    private long _cacheHits;

    internal long Weight => Count + Volatile.Read(ref _cacheHits);

    internal void NoteCacheHit() => Interlocked.Increment(ref _cacheHits);

    /// <summary>True when the user gave the template or regex; learnt patterns are never evicted or generalised.</summary>
    public bool Learnt { get; internal init; }

    /// <summary>The user's name for a learnt pattern.</summary>
    public string? Name { get; internal init; }

    /// <summary>The pattern this one was merged into once their templates converged; null while it is live.</summary>
    public MinedPattern? MergedInto { get; internal set; }

    /// <summary>True once the pattern has been evicted to keep the miner within its bound.</summary>
    public bool Evicted { get; internal set; }

    /// <summary>The pattern that now stands for this one: itself, or the end of its merge chain.</summary>
    public MinedPattern Current
    {
        get
        {
            var pattern = this;
            while (pattern.MergedInto is { } next)
            {
                pattern = next;
            }
            return pattern;
        }
    }

    internal TemplateTokens Tokens { get; set; }

    /// <summary>Creation order: of two converging patterns the earlier survives.</summary>
    internal long Sequence { get; }

    /// <summary>When the pattern last took a message, in Add calls; breaks eviction ties towards the oldest.</summary>
    internal long LastSeen { get; set; }

    internal PrefixTreeLeaf? Leaf { get; set; }

    /// <summary>Hash of the first two tokens when the pattern was inserted: its key in the index of cross-length candidates.</summary>
    internal ulong Lead { get; set; }

    /// <summary>Its wildcards match any number of tokens: it took messages of several lengths.</summary>
    internal bool Elastic { get; set; }

    /// <summary>True when the message fits the template as it is (no generalisation needed).</summary>
    internal bool Accepts(MaskedLine line) => Elastic ? ElasticAlignment.Covers(Tokens, line) : Tokens.Covers(line);

    /// <summary>The matcher of a learnt pattern (a template turned into a regex, or the user's own regex).</summary>
    internal Regex? Regex { get; init; }

    /// <summary>The user's regex, shown as the template of a regex-learnt pattern.</summary>
    internal string? RegexText { get; init; }

    internal bool IsLive => MergedInto is null && !Evicted;

    public override string ToString() => $"{Id} {Template} ({Count})";
}
