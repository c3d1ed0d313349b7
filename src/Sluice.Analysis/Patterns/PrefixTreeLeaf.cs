namespace Sluice.Analysis.Patterns;

/// <summary>The patterns that share a length and leading tokens: the few a message is compared with.</summary>
internal sealed class PrefixTreeLeaf
{
    public List<MinedPattern> Patterns { get; } = [];
}
