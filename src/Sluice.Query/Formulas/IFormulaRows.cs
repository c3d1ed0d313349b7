using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Query.Sql;

namespace Sluice.Query.Formulas;

/// <summary>What <see cref="FormulaEngine"/> needs of an engine: its dialect and clock, and rows of the SQL it generates.</summary>
public interface IFormulaRows
{
    ISqlDialect Dialect { get; }

    long NowMs { get; }

    /// <summary>Whether counts must read sample weights.</summary>
    bool Weighted { get; }

    /// <summary>Runs generated SQL over the engine's events; <paramref name="bounds"/>, <paramref name="predicate"/> and <paramref name="columns"/> may narrow what it reads.</summary>
    List<object?[]> RunRows(string sql, IReadOnlyList<object> values, QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, CancellationToken cancel);
}
