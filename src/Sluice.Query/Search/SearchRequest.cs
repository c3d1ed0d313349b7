using Sluice.Core.Events;

namespace Sluice.Query.Search;

/// <summary>A plain search: every filter given must hold (AND). Strings are UTF-8, compared exactly.</summary>
public sealed record SearchRequest
{
    public long? StartMs { get; init; }

    /// <summary>Exclusive upper bound.</summary>
    public long? EndMs { get; init; }

    /// <summary>Bit per <see cref="EventLevel"/>; 0 means any level.</summary>
    public int LevelMask { get; init; }

    public EventKind? Kind { get; init; }

    public byte[]? Service { get; init; }

    public byte[]? System { get; init; }

    public byte[]? Domain { get; init; }

    public byte[]? TraceId { get; init; }

    public byte[]? UserId { get; init; }

    /// <summary>Case-insensitive substring of the message.</summary>
    public string? Text { get; init; }

    /// <summary>A query-language filter that must hold as well (<c>query=</c>), resolved against <see cref="NowMs"/>.</summary>
    public Language.Filter? Filter { get; init; }

    /// <summary>The time relative filters (<c>_time:1h</c>) count back from.</summary>
    public long NowMs { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>Most bytes of events (as stored) a page holds; a page that reaches it ends early, with a cursor to go on.</summary>
    public long MaxBytes { get; init; } = long.MaxValue;

    public bool Descending { get; init; } = true;

    public SearchCursor? Cursor { get; init; }
}
