using Sluice.Query.Language;

namespace Sluice.Query.Formulas;

/// <summary>A parsed formula: arithmetic over aggregations of filtered events (docs/query.md, Formulas).</summary>
public abstract record FormulaNode;

public sealed record NumberNode(double Value) : FormulaNode;

public sealed record NegateNode(FormulaNode Inner) : FormulaNode;

public sealed record BinaryNode(char Op, FormulaNode Left, FormulaNode Right) : FormulaNode;

/// <summary>
/// One aggregation: <see cref="Function"/> over the events that meet <see cref="Filter"/> (all when null).
/// <see cref="Field"/> for the field functions; <see cref="WindowMs"/> for <c>rate</c>.
/// </summary>
public sealed record AggregationNode(string Function, QueryField? Field, Filter? Filter, long WindowMs, string Text) : FormulaNode;

/// <summary>A function formulas may call, as <c>GET /api/v1/formulas/functions</c> lists it.</summary>
public sealed record FormulaFunction(string Name, string Signature, string Description, bool TakesField);

public static class FormulaCatalog
{
    public static readonly FormulaFunction[] Functions =
    [
        new("count", "count([filter])", "Number of events that match the filter (all events without one).", false),
        new("sum", "sum(field[, filter])", "Sum of a numeric field (attributes are read as numbers).", true),
        new("avg", "avg(field[, filter])", "Mean of a numeric field.", true),
        new("min", "min(field[, filter])", "Smallest value of a numeric field.", true),
        new("max", "max(field[, filter])", "Largest value of a numeric field.", true),
        new("count_distinct", "count_distinct(field[, filter])", "Number of distinct values of a field.", true),
        new("rate", "rate([filter,] window)", "Matching events per window (5m, 1h …), averaged over the range or the bucket.", false),
    ];

    public static readonly (string Name, string Formula, string Description)[] Examples =
    [
        ("block rate %", "count(decision:block) / count() * 100", "Share of traffic events that were blocked, in percent."),
        ("error ratio", "count(level:>=error) / count()", "Errors and worse as a fraction of all events."),
        ("kilobytes", "sum(bytes) / 1024", "Total of the bytes attribute in KiB."),
        ("errors per 5 minutes", "rate(level:error, 5m)", "Average number of error events per 5 minutes."),
        ("mean risk of blocks", "avg(risk, decision:block)", "Mean risk score of blocked requests."),
        ("unique IPs blocked", "count_distinct(ip_hash, decision:block)", "Distinct clients that were blocked."),
    ];
}
