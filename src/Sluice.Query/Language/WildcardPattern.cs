using System.Text;

namespace Sluice.Query.Language;

/// <summary>
/// A value pattern in which <c>*</c> is any run of characters (<c>path:/api/*</c>); <c>\*</c> and <c>\\</c> are a
/// literal star and backslash. Matching is case-sensitive, like SQL LIKE, which it compiles to.
/// </summary>
public sealed class WildcardPattern
{
    private readonly byte[][] _segments;
    private readonly bool _open;

    /// <param name="pattern">The pattern as <see cref="FieldFilter.Value"/> holds it.</param>
    public WildcardPattern(string pattern)
    {
        var segments = new List<byte[]>();
        var current = new StringBuilder();
        foreach (var (c, wildcard) in Read(pattern))
        {
            if (wildcard)
            {
                segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
        _segments = [.. segments];
        _open = segments.Count > 1;
    }

    public bool IsMatch(ReadOnlySpan<byte> value)
    {
        if (!_open)
        {
            return value.SequenceEqual(_segments[0]);
        }

        var first = _segments[0];
        var last = _segments[^1];
        if (value.Length < first.Length + last.Length || !value.StartsWith(first) || !value.EndsWith(last))
        {
            return false;
        }

        // Leftmost placement of each middle segment is optimal for '*'-only patterns.
        var rest = value[first.Length..^last.Length];
        for (var i = 1; i < _segments.Length - 1; i++)
        {
            var at = rest.IndexOf(_segments[i]);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + _segments[i].Length)..];
        }

        return true;
    }

    /// <summary>The SQL LIKE pattern (escape character <c>\</c>).</summary>
    public static string ToLike(string pattern)
    {
        var like = new StringBuilder(pattern.Length + 4);
        foreach (var (c, wildcard) in Read(pattern))
        {
            if (wildcard)
            {
                like.Append('%');
            }
            else
            {
                if (c is '%' or '_' or '\\')
                {
                    like.Append('\\');
                }

                like.Append(c);
            }
        }

        return like.ToString();
    }

    private static IEnumerable<(char Char, bool Wildcard)> Read(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                yield return (pattern[++i], false);
            }
            else
            {
                yield return (pattern[i], pattern[i] == '*');
            }
        }
    }
}
