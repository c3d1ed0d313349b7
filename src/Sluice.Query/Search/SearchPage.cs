using Sluice.Storage.Hot;

namespace Sluice.Query.Search;

/// <summary>One page of results in the requested order, and the cursor of the next page if there is one.</summary>
public sealed record SearchPage(IReadOnlyList<RowRef> Rows, SearchCursor? Next);
