namespace Sluice.Analysis.Patterns;

/// <summary>
/// Routes token sequences by length, then by their first tokens, to leaves of candidate patterns (the Drain layout).
/// Lookups follow both the exact and the wildcard branch at each level, so a pattern whose leading token was
/// generalised, or one restored with a wildcard there, is still found from the concrete branch.
/// </summary>
internal sealed class PrefixTree(int depth, int maxChildren)
{
    private readonly Dictionary<int, PrefixTreeNode> _byLength = [];
    private readonly List<PrefixTreeLeaf> _found = [];

    /// <summary>The leaf a new pattern with these tokens goes to, created if need be.</summary>
    public PrefixTreeLeaf LeafFor(ReadOnlySpan<ulong> tokens)
    {
        if (!_byLength.TryGetValue(tokens.Length, out var node))
        {
            node = new PrefixTreeNode();
            _byLength.Add(tokens.Length, node);
        }
        var path = new List<(PrefixTreeNode, ulong)>(depth);
        var levels = Math.Min(depth, tokens.Length);
        for (var level = 0; level < levels; level++)
        {
            var key = tokens[level];
            if (!node.Children.TryGetValue(key, out var child))
            {
                if (key != TemplateTokens.WildcardHash && node.Children.Count >= maxChildren)
                {
                    key = TemplateTokens.WildcardHash;
                }
                if (!node.Children.TryGetValue(key, out child))
                {
                    child = new PrefixTreeNode();
                    node.Children.Add(key, child);
                }
            }
            path.Add((node, key));
            node = child;
        }
        return node.Leaf ??= new PrefixTreeLeaf(tokens.Length, node, [.. path]);
    }

    /// <summary>
    /// Drops a leaf that holds no pattern any more, and the nodes left empty above it: the tree stays as large as
    /// the live patterns need, however many were evicted.
    /// </summary>
    public void Release(PrefixTreeLeaf leaf)
    {
        if (leaf.Patterns.Count > 0 || leaf.Node.Leaf != leaf)
        {
            return;
        }
        leaf.Node.Leaf = null;
        var child = leaf.Node;
        for (var i = leaf.Path.Length - 1; i >= 0; i--)
        {
            if (child.Leaf is not null || child.Children.Count > 0)
            {
                return;
            }
            var (parent, key) = leaf.Path[i];
            parent.Children.Remove(key);
            child = parent;
        }
        if (child.Leaf is null && child.Children.Count == 0 && _byLength.GetValueOrDefault(leaf.Length) == child)
        {
            _byLength.Remove(leaf.Length);
        }
    }

    /// <summary>The leaves a message with these tokens may belong to (reused list, valid until the next call).</summary>
    public List<PrefixTreeLeaf> Candidates(MaskedLine line)
    {
        _found.Clear();
        if (_byLength.TryGetValue(line.Count, out var root))
        {
            Collect(root, line, 0, Math.Min(depth, line.Count));
        }
        return _found;
    }

    /// <summary>Every leaf, for scans that look at all patterns.</summary>
    public IEnumerable<PrefixTreeLeaf> Leaves()
    {
        var stack = new Stack<PrefixTreeNode>(_byLength.Values);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Leaf is { } leaf)
            {
                yield return leaf;
            }
            foreach (var child in node.Children.Values)
            {
                stack.Push(child);
            }
        }
    }

    private void Collect(PrefixTreeNode node, MaskedLine line, int level, int levels)
    {
        if (level == levels)
        {
            if (node.Leaf is { Patterns.Count: > 0 } leaf)
            {
                _found.Add(leaf);
            }
            return;
        }
        var key = line.Hash(level);
        if (node.Children.TryGetValue(key, out var exact))
        {
            Collect(exact, line, level + 1, levels);
        }
        if (key != TemplateTokens.WildcardHash && node.Children.TryGetValue(TemplateTokens.WildcardHash, out var shared))
        {
            Collect(shared, line, level + 1, levels);
        }
    }
}
