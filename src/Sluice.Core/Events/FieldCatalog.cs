using System.Text;

namespace Sluice.Core.Events;

/// <summary>The canonical fields of an event (DESIGN §4): their snake_case names and encodings.</summary>
public static class FieldCatalog
{
    private static readonly FieldInfo?[] ByTag = Build();

    /// <summary>Every canonical field that is stored in a tagged slot, in tag order.</summary>
    public static IEnumerable<FieldInfo> All => ByTag.Where(f => f is not null)!;

    public static FieldInfo Get(FieldTag tag) =>
        (uint)tag < (uint)ByTag.Length && ByTag[(int)tag] is { } info
            ? info
            : throw new ArgumentOutOfRangeException(nameof(tag), tag, "not a canonical field tag");

    public static bool TryGet(FieldTag tag, out FieldInfo info)
    {
        info = (uint)tag < (uint)ByTag.Length ? ByTag[(int)tag]! : null!;
        return info is not null;
    }

    private static FieldInfo?[] Build()
    {
        var fields = new (FieldTag Tag, string Name, FieldType Type)[]
        {
            (FieldTag.Id, "id", FieldType.String),
            (FieldTag.Message, "message", FieldType.String),
            (FieldTag.Template, "template", FieldType.String),
            (FieldTag.Service, "service", FieldType.String),
            (FieldTag.System, "system", FieldType.String),
            (FieldTag.Host, "host", FieldType.String),
            (FieldTag.Domain, "domain", FieldType.String),
            (FieldTag.Category, "category", FieldType.String),
            (FieldTag.TraceId, "trace_id", FieldType.String),
            (FieldTag.SpanId, "span_id", FieldType.String),
            (FieldTag.RequestId, "request_id", FieldType.String),
            (FieldTag.SessionId, "session_id", FieldType.String),
            (FieldTag.UserId, "user_id", FieldType.String),
            (FieldTag.Priority, "priority", FieldType.Integer),
            (FieldTag.StackTrace, "stack_trace", FieldType.String),
            (FieldTag.Url, "url", FieldType.String),
            (FieldTag.Method, "method", FieldType.String),
            (FieldTag.Status, "status", FieldType.Integer),
            (FieldTag.Path, "path", FieldType.String),
            (FieldTag.IpHash, "ip_hash", FieldType.String),
            (FieldTag.Country, "country", FieldType.String),
            (FieldTag.Decision, "decision", FieldType.String),
            (FieldTag.Reason, "reason", FieldType.String),
            (FieldTag.Risk, "risk", FieldType.Integer),
            (FieldTag.AdClick, "ad_click", FieldType.Boolean),
            (FieldTag.PatternId, "pattern_id", FieldType.String),
            (FieldTag.SampleWeight, "sample_weight", FieldType.Integer),
        };

        var table = new FieldInfo?[(int)FieldTag.Attribute];
        foreach (var (tag, name, type) in fields)
        {
            table[(int)tag] = new FieldInfo(tag, name, Encoding.UTF8.GetBytes(name), type);
        }

        return table;
    }
}

/// <summary>One canonical field: its tag, its JSON name (also as UTF-8) and how its value is encoded.</summary>
public sealed record FieldInfo(FieldTag Tag, string Name, byte[] Utf8Name, FieldType Type);
