namespace Sluice.Fuzz;

/// <summary>
/// One parser or translator under fuzzing: seed inputs to start from, and a run over one input that returns
/// normally for every outcome the API documents (an error value included) and throws <see cref="FuzzFailure"/> when
/// an invariant breaks. Any other exception is a crash.
/// </summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Valid (or interesting) inputs the mutator starts from.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>
    /// The most <paramref name="input"/> may allocate: linear in its size. The paths under test must be bounded
    /// while they work; this says by how much.
    /// </summary>
    public virtual long AllocationBound(byte[] input) => (64L * input.Length) + (4L * 1024 * 1024);

    /// <summary>
    /// Lines of line-based input: a refused line costs about the same whatever its length (an exception from the
    /// JSON reader, the refusal's message), so bounds of line-based targets count them too.
    /// </summary>
    protected static long Lines(byte[] input) => input.AsSpan().Count((byte)'\n') + 1;

    public abstract void Run(byte[] input);
}

/// <summary>An invariant the target broke on an input (not a crash of the code under test).</summary>
public sealed class FuzzFailure(string message) : Exception(message);
