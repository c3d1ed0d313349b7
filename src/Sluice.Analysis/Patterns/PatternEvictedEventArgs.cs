namespace Sluice.Analysis.Patterns;

/// <summary>Tells the catalog a pattern left the miner, with its id, template and count, so nothing counted is lost.</summary>
internal sealed class PatternEvictedEventArgs(MinedPattern pattern) : EventArgs
{
    public MinedPattern Pattern { get; } = pattern;
}
