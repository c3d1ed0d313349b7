using System.Text.Json;
using System.Text;
using Sluice.Core.Events;

namespace Sluice.Server.Mirror;

/// <summary>Reading a stored row for the mirror's encoders.</summary>
internal static class MirrorRow
{
    /// <summary>
    /// Fields a receiver decides for itself and so are not forwarded: <c>pattern_id</c> (a Sluice receiver names
    /// its own patterns and would keep a sent one as an attribute) and <c>sample_weight</c> (only admission may set
    /// it; a receiver would keep it as an attribute too).
    /// </summary>
    public static bool IsForwarded(FieldTag tag) => tag is not (FieldTag.PatternId or FieldTag.SampleWeight or FieldTag.Attribute);

    /// <summary>Writes one canonical field's value under <paramref name="name"/> in its own JSON type.</summary>
    public static void WriteField(Utf8JsonWriter json, ReadOnlySpan<byte> name, in RowReader reader, FieldType type)
    {
        switch (type)
        {
            case FieldType.Integer:
                json.WriteNumber(name, reader.Integer);
                break;
            case FieldType.Boolean:
                json.WriteBoolean(name, reader.Integer != 0);
                break;
            default:
                json.WriteString(name, reader.Value);
                break;
        }
    }

    /// <summary>Writes one canonical field's value as a string (for protocols whose labels are text).</summary>
    public static string Text(in RowReader reader, FieldType type) => type switch
    {
        FieldType.Integer => reader.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        FieldType.Boolean => reader.Integer != 0 ? "true" : "false",
        _ => Encoding.UTF8.GetString(reader.Value),
    };

    public static string KindName(EventKind kind) => kind == EventKind.Traffic ? "traffic" : "log";

    /// <summary>The event's message; a traffic event without one: its method, path and status.</summary>
    public static string Line(ReadOnlySpan<byte> row)
    {
        if (RowReader.TryGetString(row, FieldTag.Message, out var message) && message.Length > 0)
        {
            return Encoding.UTF8.GetString(message);
        }

        var parts = new List<string>(3);
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag is FieldTag.Method or FieldTag.Path or FieldTag.Status)
            {
                parts.Add(Text(reader, FieldCatalog.Get(reader.Tag).Type));
            }
        }

        return parts.Count > 0 ? string.Join(' ', parts) : "(" + KindName(RowLayout.ReadKind(row)) + " event)";
    }
}
