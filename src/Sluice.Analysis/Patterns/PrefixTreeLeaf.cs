namespace Sluice.Analysis.Patterns;

/// <summary>The patterns that share a length and leading tokens: the few a message is compared with.</summary>
internal sealed class PrefixTreeLeaf(int length, PrefixTreeNode node, (PrefixTreeNode Parent, ulong Key)[] path)
{
    public List<MinedPattern> Patterns { get; } = [];

    /// <summary>The token count whose subtree holds the leaf, the node it hangs on, and the way down to it.</summary>
    public int Length { get; } = length;

    public PrefixTreeNode Node { get; } = node;

    public (PrefixTreeNode Parent, ulong Key)[] Path { get; } = path;
}
