using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// Syslog messages into native events, RFC 5424 (<c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG</c>) and
/// RFC 3164 (<c>&lt;PRI&gt;Mmm dd hh:mm:ss HOST TAG[PID]: MSG</c>). Severity → level (emerg, alert, crit → fatal;
/// err → error; warning → warn; notice, info → info; debug → debug); hostname → host; app-name (or the 3164 tag)
/// → service; facility and severity names, procid and msgid → <c>syslog.*</c> attributes; each structured-data
/// parameter → an attribute <c>&lt;sd-id&gt;.&lt;name&gt;</c>. A MSG that is a JSON object with a message is
/// unpacked (<see cref="StructuredLine"/>).
/// </summary>
public static class SyslogTranslator
{
    private static readonly string[] Facilities =
        ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
         "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];

    private static readonly string[] Severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    private static readonly string[] Levels = ["fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug"];

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Translates the messages into one batch; a message that does not parse is refused alone.</summary>
    public static Translation Translate(IReadOnlyList<byte[]> messages, int year, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(messages, messages.Sum(m => (long)m.Length), limits, lease, (m, t) => Read(m, t, year));

    private static void Read(IReadOnlyList<byte[]> messages, Translation translation, int year)
    {
        for (var i = 0; i < messages.Count && translation.Admit(i); i++)
        {
            if (TryWrite(translation.Writer, messages[i], year, translation.Limits, out var error))
            {
                translation.EndEvent(i);
            }
            else
            {
                translation.AbandonEvent();
                translation.Reject(i, new FieldError(ErrorCodes.MalformedBody, null, error));
            }
        }

        translation.Records = messages.Count;
    }

    private static bool TryWrite(Utf8JsonWriter json, byte[] raw, int year, IngestLimits limits, out string error)
    {
        var text = Encoding.UTF8.GetString(raw).TrimEnd('\n', '\r', '\0');
        error = "";
        if (text.Length < 3 || text[0] != '<')
        {
            error = "a syslog message starts with <PRI>";
            return false;
        }

        var close = text.IndexOf('>', 1);
        if (close is < 2 or > 4 || !int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pri) || pri > 191)
        {
            error = "the <PRI> is not a number from 0 to 191";
            return false;
        }

        var rest = text[(close + 1)..];
        var fields = new Fields { Facility = Facilities[pri / 8], Severity = pri % 8 };
        var parsed = rest.Length > 1 && rest[0] is >= '1' and <= '9' && rest[1] == ' '
            ? Parse5424(rest[2..], ref fields, out error)
            : Parse3164(rest, year, ref fields, out error);
        if (!parsed)
        {
            return false;
        }

        // A message that is a JSON object with a message is unpacked: its message, level and time win over the
        // header's severity and timestamp; the header keeps host and service.
        using var structured = fields.Message is null ? null : StructuredLine.TryRead(fields.Message, limits);
        json.WriteStartObject();
        if (structured?.TimestampMs is { } ms)
        {
            json.WriteNumber("timestamp", ms);
        }
        else if (fields.Timestamp is not null)
        {
            json.WriteString("timestamp", fields.Timestamp);
        }

        json.WriteString("level", structured?.Level is { } own ? Sluice.Core.Events.Levels.Name(own) : Levels[fields.Severity]);
        json.WriteString("message", structured?.Message ?? (string.IsNullOrEmpty(fields.Message) ? "(empty message)" : fields.Message));
        if (fields.Host is not null)
        {
            json.WriteString("host", fields.Host);
        }

        if (fields.App is not null)
        {
            json.WriteString("service", fields.App);
        }

        json.WriteStartObject("attributes");
        json.WriteString("syslog.facility", fields.Facility);
        json.WriteString("syslog.severity", Severities[fields.Severity]);
        if (fields.ProcId is not null)
        {
            json.WriteString("syslog.procid", fields.ProcId);
        }

        if (fields.MsgId is not null)
        {
            json.WriteString("syslog.msgid", fields.MsgId);
        }

        foreach (var (key, value) in fields.Structured ?? [])
        {
            if (structured?.Names.Contains(key) != true)
            {
                json.WriteString(key, value);
            }
        }

        structured?.WriteAttributes(json);
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    private static bool Parse5424(string s, ref Fields f, out string error)
    {
        error = "";
        var parts = new string?[5];
        for (var i = 0; i < 5; i++)
        {
            var space = s.IndexOf(' ');
            if (space < 0)
            {
                error = "an RFC 5424 header needs TIMESTAMP HOSTNAME APP-NAME PROCID MSGID";
                return false;
            }

            var token = s[..space];
            parts[i] = token == "-" ? null : token;
            s = s[(space + 1)..];
        }

        f.Timestamp = parts[0];
        f.Host = parts[1];
        f.App = parts[2];
        f.ProcId = parts[3];
        f.MsgId = parts[4];
        var at = 0;
        if (s.StartsWith('-'))
        {
            at = 1;
        }
        else if (s.StartsWith('['))
        {
            f.Structured = [];
            while (at < s.Length && s[at] == '[')
            {
                if (!TryElement(s, ref at, f.Structured))
                {
                    error = "malformed structured data";
                    return false;
                }
            }
        }
        else
        {
            error = "expected structured data ('-' or '[…]')";
            return false;
        }

        s = s[at..];
        s = s.StartsWith(' ') ? s[1..] : s;
        f.Message = s.StartsWith('\uFEFF') ? s[1..] : s;
        return true;
    }

    /// <summary>
    /// One <c>[id name="value" …]</c> starting at <paramref name="at"/>, which it moves past the element; values
    /// escape <c>"</c>, <c>\</c> and <c>]</c> with a backslash. Walks by index: the message is never copied per element.
    /// </summary>
    private static bool TryElement(string s, ref int at, List<(string, string)> into)
    {
        var idEnd = s.IndexOfAny([' ', ']'], at + 1);
        if (idEnd < 0)
        {
            return false;
        }

        var id = s[(at + 1)..idEnd];
        var i = idEnd;
        while (i < s.Length && s[i] == ' ')
        {
            var eq = s.IndexOf('=', i + 1);
            if (eq < 0 || eq + 1 >= s.Length || s[eq + 1] != '"')
            {
                return false;
            }

            var name = s[(i + 1)..eq];
            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < s.Length && s[j] != '"'; j++)
            {
                if (s[j] == '\\' && j + 1 < s.Length && s[j + 1] is '"' or '\\' or ']')
                {
                    j++;
                }

                value.Append(s[j]);
            }

            if (j >= s.Length)
            {
                return false;
            }

            into.Add(($"{id}.{name}", value.ToString()));
            i = j + 1;
        }

        if (i >= s.Length || s[i] != ']')
        {
            return false;
        }

        at = i + 1;
        return true;
    }

    private static bool Parse3164(string s, int year, ref Fields f, out string error)
    {
        error = "";
        // rsyslog's forward format puts an RFC 3339 time where BSD syslog has "Mmm dd hh:mm:ss".
        var firstSpace = s.IndexOf(' ');
        if (firstSpace >= 19 && s.Length > 10 && char.IsAsciiDigit(s[0]) && s[4] == '-' && s[10] == 'T'
            && DateTimeOffset.TryParse(s.AsSpan(0, firstSpace), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp))
        {
            f.Timestamp = stamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            s = s[(firstSpace + 1)..];
        }

        // "Mmm dd hh:mm:ss " (day padded with a space when below 10)
        if (s.Length >= 16 && Array.IndexOf(Months, s[..3]) is var month and >= 0 && s[3] == ' '
            && int.TryParse(s.AsSpan(4, 2).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            && TimeOnly.TryParseExact(s.AsSpan(7, 8), "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && s[15] == ' ')
        {
            try
            {
                f.Timestamp = new DateTime(year, month + 1, day, time.Hour, time.Minute, time.Second, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            }
            catch (ArgumentOutOfRangeException)
            {
                error = "the RFC 3164 date is not a real day";
                return false;
            }

            s = s[16..];
        }

        // HOSTNAME, unless the next word is already the tag ("app:" or "app[123]:").
        var space = s.IndexOf(' ');
        var first = space < 0 ? s : s[..space];
        if (space > 0 && !first.EndsWith(':') && !first.Contains('['))
        {
            f.Host = first;
            s = s[(space + 1)..];
        }

        var colon = s.IndexOf(": ", StringComparison.Ordinal);
        var tagEnd = colon >= 0 && colon <= 48 && !s[..colon].Contains(' ') ? colon : -1;
        if (tagEnd > 0)
        {
            var tag = s[..tagEnd];
            var bracket = tag.IndexOf('[');
            f.App = bracket > 0 ? tag[..bracket] : tag;
            if (bracket > 0 && tag.EndsWith(']'))
            {
                f.ProcId = tag[(bracket + 1)..^1];
            }

            s = s[(tagEnd + 2)..];
        }

        f.Message = s;
        return true;
    }

    private struct Fields
    {
        public string Facility;
        public int Severity;
        public string? Timestamp;
        public string? Host;
        public string? App;
        public string? ProcId;
        public string? MsgId;
        public string? Message;
        public List<(string, string)>? Structured;
    }
}
