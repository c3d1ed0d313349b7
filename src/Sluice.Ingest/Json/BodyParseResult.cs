using Sluice.Core.Errors;

namespace Sluice.Ingest.Json;

/// <summary>
/// What parsing a body produced: the events committed to the batch, the refused ones by index, or a fatal error
/// that refuses the whole request (then the batch holds nothing of it).
/// </summary>
public sealed class BodyParseResult
{
    public int Accepted { get; internal set; }

    public int Total { get; internal set; }

    public List<Rejection>? Rejections { get; internal set; }

    public FieldError? Fatal { get; internal set; }

    /// <summary>The HTTP status a fatal error maps to.</summary>
    public int FatalStatus { get; internal set; } = 400;

    internal void Reject(int index, FieldError error) => (Rejections ??= []).Add(new Rejection(index, error));
}
