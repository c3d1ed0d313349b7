using System.Text;
using Sluice.Query.Search;

namespace Sluice.Fuzz.Targets;

/// <summary>Search cursors as clients send them back: decoded or refused, and a decoded one encodes to itself.</summary>
public sealed class CursorTarget : FuzzTarget
{
    public override string Name => "cursors";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        Encoding.ASCII.GetBytes(new SearchCursor(1_000, 1_767_225_600_000, 999, true, 1_767_225_700_000).Encode()),
        Encoding.ASCII.GetBytes(new SearchCursor(long.MaxValue, long.MinValue, 0, false).Encode()),
    ];

    public override void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (SearchCursor.TryDecode(text, out var cursor))
        {
            NativeTarget.Check(SearchCursor.TryDecode(cursor.Encode(), out var again) && again == cursor, "a cursor does not survive encoding");
        }
    }
}
