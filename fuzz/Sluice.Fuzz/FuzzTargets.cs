using Sluice.Fuzz.Targets;

namespace Sluice.Fuzz;

/// <summary>Every parser and translator that takes input from outside, as a fuzz target.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new NativeTarget(),
        .. ProtocolTarget.Names.Select(name => new ProtocolTarget(name)),
        new QueryLanguageTarget(),
        new FormulaTarget(),
        new CursorTarget(),
    ];
}
