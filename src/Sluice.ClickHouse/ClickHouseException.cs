namespace Sluice.ClickHouse;

/// <summary>ClickHouse refused a statement or could not be reached; <see cref="Code"/> is its error code (0 when unknown).</summary>
public sealed class ClickHouseException(int code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>ClickHouse's numeric error code (e.g. 60 unknown table, 159 timeout, 241 memory limit, 164 readonly).</summary>
    public int Code { get; } = code;

    /// <summary>Whether the statement itself was at fault (syntax, unknown name, a limit), so retrying cannot help.</summary>
    public bool IsStatementError => Code is 36 or 43 or 46 or 47 or 60 or 62 or 81 or 159 or 164 or 158 or 241 or 396 or 497;

    /// <summary>Reads <c>Code: N, e.displayText() = DB::Exception: …</c> from an error answer.</summary>
    internal static ClickHouseException FromAnswer(int status, string body)
    {
        var code = 0;
        const string prefix = "Code: ";
        var at = body.IndexOf(prefix, StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = at + prefix.Length;
            while (end < body.Length && char.IsAsciiDigit(body[end]))
            {
                end++;
            }

            _ = int.TryParse(body.AsSpan(at + prefix.Length, end - at - prefix.Length), out code);
        }

        var text = body.Trim();
        if (text.Length > 1_000)
        {
            text = text[..1_000] + "…";
        }

        return new ClickHouseException(code, $"ClickHouse answered {status}: {text}");
    }
}
