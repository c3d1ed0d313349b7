using System.Text;

namespace Sluice.Query.Search;

/// <summary>
/// Case-insensitive substring test on UTF-8 bytes. An ASCII needle is matched on the bytes with ASCII case
/// folding (no decoding); a needle with other letters falls back to decoding and ordinal-ignore-case.
/// </summary>
public sealed class TextMatcher
{
    private readonly byte[] _lower;
    private readonly string _needle;
    private readonly bool _ascii;

    public TextMatcher(string needle)
    {
        _needle = needle;
        _ascii = Ascii.IsValid(needle);
        _lower = Encoding.UTF8.GetBytes(needle.ToLowerInvariant());
    }

    public bool IsMatch(ReadOnlySpan<byte> haystack)
    {
        if (_lower.Length == 0)
        {
            return true;
        }

        if (!_ascii)
        {
            return Encoding.UTF8.GetString(haystack).Contains(_needle, StringComparison.OrdinalIgnoreCase);
        }

        var first = _lower[0];
        var firstUpper = first is >= (byte)'a' and <= (byte)'z' ? (byte)(first - 32) : first;
        var rest = _lower.AsSpan(1);
        var position = 0;
        while (position <= haystack.Length - _lower.Length)
        {
            var found = haystack[position..].IndexOfAny(first, firstUpper);
            if (found < 0)
            {
                return false;
            }

            position += found;
            if (position > haystack.Length - _lower.Length)
            {
                return false;
            }

            if (Ascii.EqualsIgnoreCase(haystack.Slice(position + 1, rest.Length), rest))
            {
                return true;
            }

            position++;
        }

        return false;
    }
}
