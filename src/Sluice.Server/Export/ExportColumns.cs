using Sluice.Core.Events;

namespace Sluice.Server.Export;

/// <summary>
/// The stable column set of CSV and Parquet exports: <c>id, timestamp, time, kind, level</c>, then every canonical
/// field in catalog order, then <c>attributes</c> (one JSON object). Adding a canonical field adds a column before
/// <c>attributes</c>; readers go by name.
/// </summary>
internal static class ExportColumns
{
    public const string Attributes = "attributes";

    /// <summary>The canonical fields after <c>id</c>, in catalog order.</summary>
    public static readonly FieldInfo[] Fields = FieldCatalog.All.Where(f => f.Tag != FieldTag.Id).ToArray();

    public static readonly string[] Names =
        ["id", "timestamp", "time", "kind", "level", .. Fields.Select(f => f.Name), Attributes];

    /// <summary>Index of a tag in <see cref="Fields"/>, or -1.</summary>
    public static readonly int[] SlotOfTag = BuildSlots();

    private static int[] BuildSlots()
    {
        var slots = Enumerable.Repeat(-1, (int)FieldTag.Attribute + 1).ToArray();
        for (var i = 0; i < Fields.Length; i++)
        {
            slots[(int)Fields[i].Tag] = i;
        }

        return slots;
    }
}
