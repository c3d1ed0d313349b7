using Sluice.Storage.Hot;

namespace Sluice.Query.Search;

/// <summary>One page of results in the requested order, and the cursor of the next page if there is one.</summary>
public sealed record SearchPage(IReadOnlyList<RowRef> Rows, SearchCursor? Next)
{
    /// <summary>Rows the cursor still had to return have left memory: the client must search again.</summary>
    public bool CursorExpired { get; init; }

    public static readonly SearchPage Expired = new([], null) { CursorExpired = true };
}
