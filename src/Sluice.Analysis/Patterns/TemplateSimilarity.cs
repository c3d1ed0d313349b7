namespace Sluice.Analysis.Patterns;

/// <summary>How close a message is to a template: position by position for clustering, by alignment for <c>Similar</c>.</summary>
internal static class TemplateSimilarity
{
    /// <summary>
    /// Share of positions whose tokens are equal, for a template and a message of the same length. A wildcard of the
    /// template agreeing with anything but a masked value does not count, so a template worn down to wildcards does
    /// not swallow unrelated messages.
    /// </summary>
    public static double Positional(TemplateTokens template, MaskedLine line)
    {
        var hashes = template.Hashes;
        if (hashes.Length == 0)
        {
            return 1;
        }
        var equal = 0;
        for (var i = 0; i < hashes.Length; i++)
        {
            equal += hashes[i] == line.Hash(i) ? 1 : 0;
        }
        return (double)equal / hashes.Length;
    }

    /// <summary>
    /// Longest common subsequence of the two token lists (a template wildcard matching any token) over the longer
    /// length: 1 when the template covers the message, lower as tokens are missing, extra or different.
    /// </summary>
    public static double Aligned(TemplateTokens template, MaskedLine line, int maxTokens = 128)
    {
        var n = Math.Min(template.Count, maxTokens);
        var m = Math.Min(line.Count, maxTokens);
        if (n == 0 || m == 0)
        {
            return n == m ? 1 : 0;
        }
        Span<int> previous = stackalloc int[m + 1];
        Span<int> current = stackalloc int[m + 1];
        previous.Clear();
        for (var i = 1; i <= n; i++)
        {
            current[0] = 0;
            var hash = template.Hashes[i - 1];
            var wildcard = hash == TemplateTokens.WildcardHash;
            for (var j = 1; j <= m; j++)
            {
                current[j] = wildcard || hash == line.Hash(j - 1)
                    ? previous[j - 1] + 1
                    : Math.Max(previous[j], current[j - 1]);
            }
            var swap = previous;
            previous = current;
            current = swap;
        }
        return (double)previous[m] / Math.Max(n, m);
    }
}
