namespace Sluice.Core.Events;

/// <summary>
/// Names the pattern of a log message while the event is parsed, so its <c>pattern_id</c> is stored with it
/// (Sluice.Analysis mines the patterns). Called concurrently from every request; it must not throw.
/// </summary>
public interface IPatternNamer
{
    /// <summary>Length of every pattern id: 16 lowercase hex digits.</summary>
    const int IdLength = 16;

    /// <summary>Writes the id of <paramref name="message"/>'s pattern into <paramref name="id"/> (<see cref="IdLength"/> bytes); false leaves the event without one.</summary>
    bool TryName(ReadOnlySpan<byte> message, EventLevel level, Span<byte> id);
}
