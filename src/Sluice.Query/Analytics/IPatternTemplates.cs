namespace Sluice.Query.Analytics;

/// <summary>Where the <c>patterns</c> pipe finds the template of a pattern id (the pattern catalog of Sluice.Analysis).</summary>
public interface IPatternTemplates
{
    string? TemplateOf(string patternId);
}
