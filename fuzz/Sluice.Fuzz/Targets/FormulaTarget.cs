using System.Text;
using Sluice.Query.Formulas;
using Sluice.Query.Language;

namespace Sluice.Fuzz.Targets;

/// <summary>Formulas: parsed, or refused with a position inside the text.</summary>
public sealed class FormulaTarget : FuzzTarget
{
    public override string Name => "formulas";

    public override IReadOnlyList<byte[]> Seeds { get; } = [.. FormulaCatalog.Examples.Select(e => Encoding.UTF8.GetBytes(e.Formula))
        .Append(Encoding.UTF8.GetBytes("(count(level:error) + 1) / (count() - count(kind:traffic)) * rate(decision:block, 5m)"))];

    public override void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        try
        {
            var (_, aggregations) = FormulaParser.Parse(text);
            NativeTarget.Check(aggregations.Count > 0, "a formula without an aggregation parsed");
        }
        catch (QueryException e)
        {
            NativeTarget.Check(e.Position >= 1 && e.Position <= text.Length + 1, $"error position {e.Position} outside the formula of {text.Length}");
        }
    }
}
