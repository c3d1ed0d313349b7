namespace Sluice.Analysis.Patterns;

/// <summary>A node of the prefix tree: children by token hash (the wildcard hash for the shared branch), or a leaf at the bottom.</summary>
internal sealed class PrefixTreeNode
{
    public Dictionary<ulong, PrefixTreeNode> Children { get; } = [];

    public PrefixTreeLeaf? Leaf { get; set; }
}
