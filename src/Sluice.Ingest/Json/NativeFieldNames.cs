using System.Collections.Frozen;
using Sluice.Core.Events;

namespace Sluice.Ingest.Json;

/// <summary>
/// Property names of the native JSON API and the aliases that common loggers use (pino's msg, Serilog's @m,
/// camelCase ids…). The table is documented in docs/api.md; matching is exact (case-sensitive).
/// </summary>
public static class NativeFieldNames
{
    // Declared first: the tables below are built from it, and static fields initialise in order.
    /// <summary>Names that carry a client address, at the top level or as the last segment of a nested key.</summary>
    public static readonly string[] ClientIpNames =
    [
        "ip", "client_ip", "clientIp", "ip_address", "ipAddress", "remote_addr", "remote_ip", "remoteIp", "remoteAddress",
        "remote_address", "client_address", "clientAddress", "x-forwarded-for", "x_forwarded_for", "forwarded_for",
        "x-real-ip", "x_real_ip", "cf-connecting-ip", "true-client-ip",
    ];

    /// <summary>Every name and alias with its meaning (the table documented in docs/api.md).</summary>
    public static readonly FrozenDictionary<string, FieldName> All = Build();

    // Matched as UTF-8 bytes: every property name of every event goes through here.
    private static readonly Utf8NameTable<FieldName> Names = new(All);

    private static readonly Utf8NameTable<bool> IpNames = new(ClientIpNames.Select(n => KeyValuePair.Create(n, true)));

    public static FieldName Match(ReadOnlySpan<byte> utf8) => Names.TryGetValue(utf8, out var field) ? field : default;

    /// <summary>True when a (nested) attribute key's last segment names a client address, which must be hashed.</summary>
    public static bool IsIpName(ReadOnlySpan<byte> utf8)
    {
        var dot = utf8.LastIndexOf((byte)'.');
        return IpNames.TryGetValue(dot >= 0 ? utf8[(dot + 1)..] : utf8, out _);
    }

    private static FrozenDictionary<string, FieldName> Build()
    {
        var map = new Dictionary<string, FieldName>(StringComparer.Ordinal);

        void Canonical(FieldTag tag, params string[] aliases)
        {
            map[FieldCatalog.Get(tag).Name] = new FieldName(FieldRole.Canonical, tag);
            foreach (var alias in aliases)
            {
                map[alias] = new FieldName(FieldRole.Canonical, tag);
            }
        }

        void Role(FieldRole role, params string[] names)
        {
            foreach (var name in names)
            {
                map[name] = new FieldName(role);
            }
        }

        Canonical(FieldTag.Id, "event_id", "eventId");
        Canonical(FieldTag.Message, "msg", "@m");
        Canonical(FieldTag.Template, "message_template", "messageTemplate", "@mt");
        Canonical(FieldTag.Service, "service_name", "serviceName", "app");
        Canonical(FieldTag.System);
        Canonical(FieldTag.Host, "hostname");
        Canonical(FieldTag.Domain);
        Canonical(FieldTag.Category);
        Canonical(FieldTag.TraceId, "traceId", "@tr");
        Canonical(FieldTag.SpanId, "spanId", "@sp");
        Canonical(FieldTag.RequestId, "requestId");
        Canonical(FieldTag.SessionId, "sessionId");
        Canonical(FieldTag.UserId, "userId");
        Canonical(FieldTag.Priority);
        Canonical(FieldTag.StackTrace, "stackTrace", "stack", "exception", "@x");
        Canonical(FieldTag.Url);
        Canonical(FieldTag.Method);
        Canonical(FieldTag.Status, "status_code", "statusCode");
        Canonical(FieldTag.Path);
        Canonical(FieldTag.IpHash);
        Canonical(FieldTag.Country, "country_code");
        Canonical(FieldTag.Decision);
        Canonical(FieldTag.Reason);
        Canonical(FieldTag.Risk, "risk_score");
        Canonical(FieldTag.AdClick, "adClick");
        Canonical(FieldTag.PatternId);

        Role(FieldRole.Timestamp, "timestamp", "time", "ts", "@timestamp", "@t");
        Role(FieldRole.Level, "level", "lvl", "log_level", "@l");
        Role(FieldRole.Severity, "severity", "severity_number", "severityNumber", "severity_text", "severityText");
        Role(FieldRole.Kind, "kind");
        Role(FieldRole.ClientIp, ClientIpNames);
        Role(FieldRole.Attributes, "attributes");
        Role(FieldRole.ClickId, "gclid", "fbclid", "msclkid", "ttclid", "click_id");
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
