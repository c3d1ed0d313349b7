using System.Buffers;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// Recognises whole tokens that are values by their shape (addresses, identifiers, locations), so the masker can
/// replace them as one variable before it looks at their parts.
/// </summary>
internal static class VariableShapes
{
    /// <summary>True for URLs, e-mail addresses, UUIDs, IPv4/IPv6 addresses and host names with a port, and file paths.</summary>
    public static bool IsWholeValue(ReadOnlySpan<byte> core) =>
        core.ContainsAny(ShapeMarks) && (IsUrl(core) || IsEmail(core) || IsUuid(core) || IsIpV4(core) || IsIpV6(core) || IsHostPort(core) || IsPath(core) || IsClockTime(core));

    // Every whole-value shape has one of these; most words have none, so they skip the checks.
    private static readonly SearchValues<byte> ShapeMarks = SearchValues.Create("./:@\\-"u8);

    /// <summary>A time of day or a duration written with colons: <c>12:30</c>, <c>00:01:02.345</c>.</summary>
    public static bool IsClockTime(ReadOnlySpan<byte> core)
    {
        var colons = 0;
        var digits = 0;
        foreach (var b in core)
        {
            if (IsDigit(b))
            {
                digits++;
            }
            else if (b == ':' && digits > 0)
            {
                colons++;
                digits = 0;
            }
            else if (b != '.' || colons == 0)
            {
                return false;
            }
        }
        return colons >= 1 && digits > 0;
    }

    /// <summary>A dotted host name and a port (<c>db.example.com:5432</c>); without the port it could be a class name.</summary>
    public static bool IsHostPort(ReadOnlySpan<byte> core)
    {
        var colon = core.LastIndexOf((byte)':');
        if (colon <= 0 || !AllDigits(core[(colon + 1)..]))
        {
            return false;
        }
        var host = core[..colon];
        if (host.IndexOf((byte)'.') <= 0 || host[^1] == '.')
        {
            return false;
        }
        foreach (var b in host)
        {
            if (!IsLetter(b) && !IsDigit(b) && b != '.' && b != '-' && b != '_')
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsUrl(ReadOnlySpan<byte> core)
    {
        var scheme = core.IndexOf("://"u8);
        if (scheme <= 0 || scheme + 3 >= core.Length)
        {
            return false;
        }
        foreach (var b in core[..scheme])
        {
            if (!IsLetter(b) && b != '+' && b != '-' && b != '.')
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsEmail(ReadOnlySpan<byte> core)
    {
        var at = core.IndexOf((byte)'@');
        if (at <= 0 || at != core.LastIndexOf((byte)'@'))
        {
            return false;
        }
        var domain = core[(at + 1)..];
        var dot = domain.LastIndexOf((byte)'.');
        if (dot <= 0 || dot == domain.Length - 1)
        {
            return false;
        }
        foreach (var b in core[..at])
        {
            if (!IsLetter(b) && !IsDigit(b) && b != '.' && b != '_' && b != '%' && b != '+' && b != '-')
            {
                return false;
            }
        }
        foreach (var b in domain)
        {
            if (!IsLetter(b) && !IsDigit(b) && b != '.' && b != '-')
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsUuid(ReadOnlySpan<byte> core)
    {
        if (core.Length != 36)
        {
            return false;
        }
        for (var i = 0; i < core.Length; i++)
        {
            var dash = i is 8 or 13 or 18 or 23;
            if (dash ? core[i] != '-' : !IsHex(core[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Four dotted decimal parts of at most three digits, then an optional <c>:port</c>.</summary>
    public static bool IsIpV4(ReadOnlySpan<byte> core)
    {
        var colon = core.IndexOf((byte)':');
        if (colon >= 0)
        {
            if (colon == core.Length - 1 || !AllDigits(core[(colon + 1)..]))
            {
                return false;
            }
            core = core[..colon];
        }
        var parts = 0;
        var digits = 0;
        foreach (var b in core)
        {
            if (IsDigit(b) && digits < 3)
            {
                digits++;
            }
            else if (b == '.' && digits > 0)
            {
                parts++;
                digits = 0;
            }
            else
            {
                return false;
            }
        }
        return parts == 3 && digits > 0;
    }

    /// <summary>Hex groups and colons (at least two colons and a digit), optionally bracketed with a port.</summary>
    public static bool IsIpV6(ReadOnlySpan<byte> core)
    {
        if (core.Length > 2 && core[0] == '[')
        {
            var close = core.IndexOf((byte)']');
            if (close < 0 || (close + 1 < core.Length && (core[close + 1] != ':' || !AllDigits(core[(close + 2)..]))))
            {
                return false;
            }
            core = core[1..close];
        }
        var colons = 0;
        var digit = false;
        foreach (var b in core)
        {
            if (b == ':')
            {
                colons++;
            }
            else if (IsDigit(b))
            {
                digit = true;
            }
            else if (!IsHex(b) && b != '.')
            {
                return false;
            }
        }
        return colons >= 2 && digit && core.Length >= 3;
    }

    /// <summary>Absolute or explicitly relative Unix paths, home paths and Windows drive paths.</summary>
    public static bool IsPath(ReadOnlySpan<byte> core)
    {
        if (core.Length >= 3 && IsLetter(core[0]) && core[1] == ':' && core[2] == '\\')
        {
            return true;
        }
        if (core.StartsWith("./"u8) || core.StartsWith("../"u8) || core.StartsWith("~/"u8))
        {
            return core.Length > 2;
        }
        return core.Length > 1 && core[0] == '/' && core[1] != '/' && (IsLetter(core[1]) || IsDigit(core[1]) || core[1] is (byte)'_' or (byte)'.');
    }

    /// <summary>An English weekday or month name, abbreviated or full (the masker treats it as a value only next to other date parts).</summary>
    public static bool IsDateWord(ReadOnlySpan<byte> core)
    {
        if (core.Length < 3 || core.Length > 9 || !IsLetter(core[0]) || !IsLetter(core[1]) || !IsLetter(core[2]))
        {
            return false;
        }
        // The first three letters, lower-cased, pick the one name the word can be; cheap enough for every token.
        var key = ((core[0] | 0x20) << 16) | ((core[1] | 0x20) << 8) | (core[2] | 0x20);
        var name = key switch
        {
            0x6D6F6E => "monday"u8, 0x747565 => "tuesday"u8, 0x776564 => "wednesday"u8, 0x746875 => "thursday"u8,
            0x667269 => "friday"u8, 0x736174 => "saturday"u8, 0x73756E => "sunday"u8, 0x6A616E => "january"u8,
            0x666562 => "february"u8, 0x6D6172 => "march"u8, 0x617072 => "april"u8, 0x6D6179 => "may"u8,
            0x6A756E => "june"u8, 0x6A756C => "july"u8, 0x617567 => "august"u8, 0x736570 => "september"u8,
            0x6F6374 => "october"u8, 0x6E6F76 => "november"u8, 0x646563 => "december"u8,
            _ => default,
        };
        if (name.IsEmpty)
        {
            return false;
        }
        if (core.Length == 3)
        {
            return true;
        }
        if (core.Length != name.Length)
        {
            return false;
        }
        for (var i = 3; i < core.Length; i++)
        {
            if ((core[i] | 0x20) != name[i])
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsHex(byte b) => IsDigit(b) || (uint)((b | 0x20) - 'a') <= 'f' - 'a';

    private static bool AllDigits(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (var b in text)
        {
            if (!IsDigit(b))
            {
                return false;
            }
        }
        return true;
    }
}
