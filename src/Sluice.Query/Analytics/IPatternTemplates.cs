namespace Sluice.Query.Analytics;

/// <summary>Where the <c>patterns</c> pipe finds the template of a pattern id, and the id a merged pattern now goes by (the pattern catalog of Sluice.Analysis).</summary>
public interface IPatternTemplates
{
    string? TemplateOf(string patternId);

    /// <summary>The id that stands for <paramref name="patternId"/> now: the pattern it was merged into, if it was; else itself.</summary>
    string CurrentOf(string patternId);
}
