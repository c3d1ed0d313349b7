using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Analysis.Patterns;

/// <summary>Turns user templates into anchored regexes and runs learnt regexes under their timeout.</summary>
internal static class LearntTemplates
{
    /// <summary>Literal text matched as written (any run of whitespace for a space), each <c>&lt;*&gt;</c> as one or more characters.</summary>
    public static string ToRegex(string template)
    {
        var regex = new StringBuilder("^\\s*");
        var parts = template.Split(TemplateTokens.Wildcard);
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                regex.Append("(.+?)");
            }
            var words = parts[i].Split((char[]?)null, StringSplitOptions.None);
            for (var w = 0; w < words.Length; w++)
            {
                if (w > 0)
                {
                    regex.Append("\\s+");
                }
                regex.Append(Regex.Escape(words[w]));
            }
        }
        return regex.Append("\\s*$").ToString();
    }

    /// <summary>A match, or false when the regex ran out of time (a slow user regex must not stall ingestion).</summary>
    public static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
