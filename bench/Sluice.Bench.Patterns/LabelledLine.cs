namespace Sluice.Bench.Patterns;

/// <summary>A message and its ground truth.</summary>
internal sealed record LabelledLine(string Content, string EventId, string EventTemplate);
