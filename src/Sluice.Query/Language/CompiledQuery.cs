namespace Sluice.Query.Language;

/// <summary>
/// A query turned into one SQL statement over the view <c>events</c>, with its bound values. When
/// <see cref="ReturnsEvents"/> the statement selects whole events (the columns of a part, in order); otherwise it
/// returns the table <see cref="Columns"/> describes.
/// </summary>
public sealed record CompiledQuery(string Sql, IReadOnlyList<object> Values, IReadOnlyList<OutputColumn> Columns, bool ReturnsEvents);

/// <summary>A result column; <see cref="IsTime"/> values are epoch milliseconds, written as ISO-8601.</summary>
public sealed record OutputColumn(string Name, bool IsTime);
