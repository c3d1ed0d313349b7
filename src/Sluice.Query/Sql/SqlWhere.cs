namespace Sluice.Query.Sql;

/// <summary>Collects the conditions and bound values of one generated statement; values are never inlined.</summary>
public sealed class SqlWhere(ISqlDialect dialect)
{
    private readonly List<string> _conditions = [];

    public List<object> Values { get; } = [];

    public ISqlDialect Dialect => dialect;

    /// <summary>Binds a value and returns its placeholder.</summary>
    public string Bind(object value)
    {
        Values.Add(value);
        return dialect.Parameter(Values.Count - 1);
    }

    public void Add(string condition) => _conditions.Add(condition);

    public void Equal(string column, object value) => Add($"{dialect.Identifier(column)} = {Bind(value)}");

    public override string ToString() => _conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", _conditions);
}
