namespace Sluice.Query.Language;

/// <summary>A query that cannot be run; <see cref="Position"/> is the 1-based character where the problem is.</summary>
public sealed class QueryException(int position, string reason) : Exception($"at character {position}: {reason}")
{
    public int Position { get; } = position;

    public string Reason { get; } = reason;
}
