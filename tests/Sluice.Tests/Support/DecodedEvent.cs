using System.Text;
using Sluice.Core.Events;

namespace Sluice.Tests.Support;

/// <summary>A row decoded into plain values, for tests only (the server never builds this).</summary>
public sealed record DecodedEvent(long Timestamp, EventKind Kind, EventLevel Level, Dictionary<string, object> Fields, Dictionary<string, string> Attributes)
{
    public string? this[string field] => Fields.TryGetValue(field, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    public static DecodedEvent Decode(ReadOnlySpan<byte> row)
    {
        var reader = new RowReader(row);
        var fields = new Dictionary<string, object>();
        var attributes = new Dictionary<string, string>();
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                attributes[Encoding.UTF8.GetString(reader.Key)] = Encoding.UTF8.GetString(reader.Value);
                continue;
            }

            var info = FieldCatalog.Get(reader.Tag);
            fields[info.Name] = info.Type switch
            {
                FieldType.Integer => reader.Integer,
                FieldType.Boolean => reader.Integer != 0,
                _ => Encoding.UTF8.GetString(reader.Value),
            };
        }

        Assert.True(reader.IsValid, "row is malformed");
        return new DecodedEvent(reader.Timestamp, reader.Kind, reader.Level, fields, attributes);
    }

    public static List<DecodedEvent> All(ReadOnlySpan<byte> rows)
    {
        var list = new List<DecodedEvent>();
        while (!rows.IsEmpty)
        {
            var length = RowLayout.ReadLength(rows);
            list.Add(Decode(rows[..length]));
            rows = rows[length..];
        }

        return list;
    }
}
