using System.Text;
using Sluice.Core.Events;

namespace Sluice.Query.Summaries;

/// <summary>Reads one counted field (<c>level</c> or a canonical string field) of an encoded row, as the engine's column holds it.</summary>
internal sealed class RowValue
{
    private readonly FieldTag? _tag;

    private RowValue(FieldTag? tag) => _tag = tag;

    /// <summary>The reader of <c>level</c> or of a canonical field by name.</summary>
    public static RowValue Of(string field) =>
        field == "level" ? new RowValue(null) : new RowValue(FieldCatalog.All.Single(f => f.Name == field).Tag);

    /// <summary>The value, or null when the row has no such field.</summary>
    public string? Read(ReadOnlySpan<byte> row) =>
        _tag is not { } tag ? Levels.Name(RowLayout.ReadLevel(row))
        : RowReader.TryGetString(row, tag, out var value) ? Encoding.UTF8.GetString(value)
        : null;
}
