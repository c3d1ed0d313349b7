namespace Sluice.Core.Errors;

/// <summary>Why one event (or one parameter) was refused: a stable code, the field at fault, words for a person.</summary>
public readonly record struct FieldError(string Code, string? Field, string Message)
{
    /// <summary>For errors in query text: the 1-based character where the problem is.</summary>
    public int? Position { get; init; }
}

/// <summary>A refused event inside a batch, by its 0-based position in the request.</summary>
public readonly record struct Rejection(int Index, FieldError Error);
