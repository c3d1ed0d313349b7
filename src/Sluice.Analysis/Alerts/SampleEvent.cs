using System.Text;
using Sluice.Core.Events;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// An event attached to a notification as evidence: a log event with its message and the pattern it belongs to, a
/// traffic event with its domain, path, decision and status.
/// </summary>
internal sealed record SampleEvent(long Timestamp, string? Id, string Level, string? Service, string? Message, string? PatternId)
{
    public const int MaxMessageChars = 500;

    public string Kind { get; init; } = "log";

    public string? Domain { get; init; }

    public string? Path { get; init; }

    public string? Decision { get; init; }

    public long? Status { get; init; }

    public string? Country { get; init; }

    public string? Reason { get; init; }

    public static SampleEvent Of(ReadOnlySpan<byte> row)
    {
        var reader = new RowReader(row);
        string? id = null, service = null, message = null, pattern = null, domain = null, path = null, decision = null, country = null, reason = null;
        long? status = null;
        while (reader.MoveNext())
        {
            switch (reader.Tag)
            {
                case FieldTag.Id: id = Text(reader.Value); break;
                case FieldTag.Service: service = Text(reader.Value); break;
                case FieldTag.Message: message = Text(reader.Value); break;
                case FieldTag.PatternId: pattern = Text(reader.Value); break;
                case FieldTag.Domain: domain = Text(reader.Value); break;
                case FieldTag.Path: path = Cut(Text(reader.Value)); break;
                case FieldTag.Decision: decision = Text(reader.Value); break;
                case FieldTag.Status: status = reader.Integer; break;
                case FieldTag.Country: country = Text(reader.Value); break;
                case FieldTag.Reason: reason = Text(reader.Value); break;
            }
        }

        return new SampleEvent(reader.Timestamp, id, reader.Level.ToString().ToLowerInvariant(), service, message is null ? null : Cut(message), pattern)
        {
            Kind = reader.Kind == EventKind.Traffic ? "traffic" : "log",
            Domain = domain,
            Path = path,
            Decision = decision,
            Status = status,
            Country = country,
            Reason = reason,
        };
    }

    private static string Cut(string text) => text.Length > MaxMessageChars ? text[..MaxMessageChars] + "…" : text;

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);
}
