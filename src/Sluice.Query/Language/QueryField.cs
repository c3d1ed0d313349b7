using Sluice.Core.Events;

namespace Sluice.Query.Language;

/// <summary>Where a field's value lives in an event.</summary>
public enum FieldSource
{
    Timestamp,
    Kind,
    Level,

    /// <summary>A canonical field with its own column (DESIGN §4).</summary>
    Canonical,

    /// <summary>A key of the event's <c>attributes</c>; its values are strings.</summary>
    Attribute,
}

/// <summary>
/// A field named in a query. Canonical names resolve to their columns; <c>attributes.region</c> and any other name
/// (<c>region</c>) to the attribute of that key. <see cref="Name"/> is how the field is printed and what its output
/// column is called.
/// </summary>
public sealed record QueryField(string Name, FieldSource Source, FieldTag Tag, string Key)
{
    public const string AttributePrefix = "attributes.";

    public static readonly QueryField Timestamp = new("timestamp", FieldSource.Timestamp, 0, "");
    public static readonly QueryField Kind = new("kind", FieldSource.Kind, 0, "");
    public static readonly QueryField Level = new("level", FieldSource.Level, 0, "");

    /// <summary>Integer-valued in storage: compared as numbers, summed without conversion.</summary>
    public bool IsInteger => Source == FieldSource.Timestamp
        || (Source == FieldSource.Canonical && FieldCatalog.Get(Tag).Type is FieldType.Integer);

    public bool IsBoolean => Source == FieldSource.Canonical && FieldCatalog.Get(Tag).Type is FieldType.Boolean;

    public static QueryField Resolve(string name)
    {
        switch (name)
        {
            case "timestamp" or "_time": return Timestamp;
            case "kind": return Kind;
            case "level": return Level;
        }

        if (name.StartsWith(AttributePrefix, StringComparison.Ordinal) && name.Length > AttributePrefix.Length)
        {
            return Attribute(name[AttributePrefix.Length..]);
        }

        foreach (var field in FieldCatalog.All)
        {
            if (field.Name == name)
            {
                return new QueryField(name, FieldSource.Canonical, field.Tag, "");
            }
        }

        return new QueryField(name, FieldSource.Attribute, FieldTag.Attribute, name);
    }

    /// <summary>The attribute <paramref name="key"/>, printed bare unless that would name something else.</summary>
    public static QueryField Attribute(string key) =>
        new(IsReserved(key) || !QueryParser.IsName(key) ? AttributePrefix + key : key, FieldSource.Attribute, FieldTag.Attribute, key);

    /// <summary>Names that do not reach an attribute when written bare.</summary>
    private static bool IsReserved(string name) =>
        name is "timestamp" or "_time" or "kind" or "level"
        || name.StartsWith(AttributePrefix, StringComparison.Ordinal)
        || FieldCatalog.All.Any(f => f.Name == name);
}
