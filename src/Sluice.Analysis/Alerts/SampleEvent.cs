using System.Text;
using Sluice.Core.Events;

namespace Sluice.Analysis.Alerts;

/// <summary>An event attached to a notification as evidence, with the pattern it belongs to.</summary>
public sealed record SampleEvent(long Timestamp, string? Id, string Level, string? Service, string? Message, string? PatternId)
{
    public const int MaxMessageChars = 500;

    public static SampleEvent Of(ReadOnlySpan<byte> row)
    {
        var reader = new RowReader(row);
        string? id = null, service = null, message = null, pattern = null;
        while (reader.MoveNext())
        {
            switch (reader.Tag)
            {
                case FieldTag.Id: id = Text(reader.Value); break;
                case FieldTag.Service: service = Text(reader.Value); break;
                case FieldTag.Message: message = Text(reader.Value); break;
                case FieldTag.PatternId: pattern = Text(reader.Value); break;
            }
        }

        if (message is { Length: > MaxMessageChars })
        {
            message = message[..MaxMessageChars] + "…";
        }

        return new SampleEvent(reader.Timestamp, id, reader.Level.ToString().ToLowerInvariant(), service, message, pattern);
    }

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);
}
