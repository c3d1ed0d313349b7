namespace Sluice.Bench.Patterns;

/// <summary>The figures of one set: lines, accuracies, patterns found, and Drain's published grouping accuracy.</summary>
internal sealed record SetResult(string Name, int Lines, double Grouping, double Parsing, int Patterns, int TruePatterns, double DrainGrouping);
