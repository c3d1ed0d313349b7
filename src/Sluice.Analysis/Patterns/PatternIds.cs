namespace Sluice.Analysis.Patterns;

/// <summary>How a pattern is named in rows and answers: 16 lowercase hex digits, fixed when the pattern is first seen.</summary>
internal static class PatternIds
{
    public const int Length = 16;
}
