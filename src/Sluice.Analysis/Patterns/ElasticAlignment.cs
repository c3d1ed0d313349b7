using System.Buffers;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// Matching and merging across lengths, for templates whose variables span a varying number of tokens (lists,
/// optional parts such as "(1.2 KB)"): an elastic template's wildcards match zero or more tokens, and a message of
/// another length joins a template when their tokens align and every gap between aligned tokens holds a value.
/// </summary>
internal static class ElasticAlignment
{
    /// <summary>True when the template, wildcards matching any run of tokens (even none), matches the whole message.</summary>
    public static bool Covers(TemplateTokens template, MaskedLine line)
    {
        var hashes = template.Hashes;
        int t = 0, m = 0, star = -1, resume = 0;
        while (m < line.Count)
        {
            if (t < hashes.Length && hashes[t] == TemplateTokens.WildcardHash)
            {
                star = t++;
                resume = m;
            }
            else if (t < hashes.Length && hashes[t] == line.Hash(m))
            {
                t++;
                m++;
            }
            else if (star >= 0)
            {
                t = star + 1;
                m = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (t < hashes.Length && hashes[t] == TemplateTokens.WildcardHash)
        {
            t++;
        }
        return t == hashes.Length;
    }

    /// <summary>
    /// Aligns template and message by their longest common token subsequence. Returns the merged template (each
    /// gap one wildcard) and the share of aligned tokens over the longer length, or null when a gap is not a value.
    /// </summary>
    public static (List<string> Tokens, double Score)? Merge(TemplateTokens template, MaskedLine line, int maxTokens = 96)
    {
        var n = template.Count;
        var m = line.Count;
        if (n == 0 || m == 0 || n > maxTokens || m > maxTokens)
        {
            return null;
        }
        var size = (n + 1) * (m + 1);
        var rented = ArrayPool<int>.Shared.Rent(size);
        try
        {
            return Merge(template, line, rented.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static (List<string> Tokens, double Score)? Merge(TemplateTokens template, MaskedLine line, Span<int> table)
    {
        var n = template.Count;
        var m = line.Count;
        table.Clear();
        var width = m + 1;
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                table[(i * width) + j] = template.Hashes[i] == line.Hash(j)
                    ? table[((i + 1) * width) + j + 1] + 1
                    : Math.Max(table[((i + 1) * width) + j], table[(i * width) + j + 1]);
            }
        }
        var merged = new List<string>(n);
        int a = 0, b = 0, gapStartA = 0, gapStartB = 0, aligned = 0;
        while (a < n || b < m)
        {
            if (a < n && b < m && template.Hashes[a] == line.Hash(b))
            {
                if (!CloseGap(template, line, gapStartA, a, gapStartB, b, merged))
                {
                    return null;
                }
                merged.Add(template.Texts[a]);
                aligned++;
                gapStartA = ++a;
                gapStartB = ++b;
            }
            else if (b == m || (a < n && table[((a + 1) * width) + b] >= table[(a * width) + b + 1]))
            {
                a++;
            }
            else
            {
                b++;
            }
        }
        if (!CloseGap(template, line, gapStartA, n, gapStartB, m, merged))
        {
            return null;
        }
        return (merged, (double)aligned / Math.Max(n, m));
    }

    /// <summary>
    /// Adds one wildcard for a non-empty gap if the gap is a value with at most one word beside it ("(1.2 KB)",
    /// "&lt;1 sec"); false otherwise: words missing or extra on one side mean another event ("invalid user x").
    /// </summary>
    private static bool CloseGap(TemplateTokens template, MaskedLine line, int fromA, int toA, int fromB, int toB, List<string> merged)
    {
        if (fromA == toA && fromB == toB)
        {
            return true;
        }
        int values = 0, words = 0;
        for (var i = fromA; i < toA; i++)
        {
            _ = template.HoldsValue[i] ? values++ : words++;
        }
        for (var j = fromB; j < toB; j++)
        {
            _ = line.HoldsValue(j) ? values++ : words++;
        }
        if (values == 0 || words > 1)
        {
            return false;
        }
        if (merged.Count == 0 || merged[^1] != TemplateTokens.Wildcard)
        {
            merged.Add(TemplateTokens.Wildcard);
        }
        return true;
    }
}
