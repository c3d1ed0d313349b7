using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Sluice.Analysis.Patterns;

/// <summary>How a pattern is named in rows and answers: 16 lowercase hex digits, fixed when the pattern is first seen.</summary>
internal static class PatternIds
{
    public const int Length = 16;

    /// <summary>
    /// The id of a new pattern: a 64-bit hash of its first template, so the same template gets the same id in every
    /// run; on a collision with another live pattern the hash is taken again with the next seed.
    /// </summary>
    public static string For(string template, Func<string, bool> taken)
    {
        var bytes = Encoding.UTF8.GetBytes(template);
        for (long seed = 0; ; seed++)
        {
            var id = XxHash64.HashToUInt64(bytes, seed).ToString("x16", CultureInfo.InvariantCulture);
            if (!taken(id))
            {
                return id;
            }
        }
    }

    public static bool IsValid(string id)
    {
        if (id.Length != Length)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
