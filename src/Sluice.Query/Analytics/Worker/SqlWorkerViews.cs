using System.Text;
using DuckDB.NET.Data;
using Sluice.Query.Sql;
using Sluice.Storage.Engine;

namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// The views on a SQL worker's one connection, kept from one statement to the next while they would be made the
/// same — the same parts with the same kinds, the same copied columns, and no unsealed row either time — with the
/// descriptions of the statements run on them. Creating the views binds their parts' scans and describing a
/// statement binds it again; a dashboard asking about past hours repeated both for nothing (3.5 + 2 ms of a 16 ms
/// question, issue 14). Views that hold unsealed rows are dropped after their statement and never reused.
/// </summary>
internal sealed class SqlWorkerViews(DuckDbEngine.Connection connection)
{
    private const int MaxDescriptions = 64;

    private readonly Dictionary<string, List<SqlAnswerWriter.Column>> _described = new(StringComparer.Ordinal);

    /// <summary>What the kept views were made of; null when none are kept.</summary>
    private string? _kept;

    /// <summary>Makes the views for a request (or keeps the ones it would make), copying its unsealed rows.</summary>
    public void Prepare(SqlWorkerRequest request, IEnumerator<(ReadOnlyMemory<byte>, long)> rows)
    {
        var anyRow = rows.MoveNext();
        var key = anyRow ? null : Key(request);
        if (key is not null && key == _kept)
        {
            return;
        }

        Drop();
        AnalyticsViews.CreateWithKinds(connection, DuckDbDialect.Instance, request.Parts, anyRow ? FromCurrent(rows) : [], request.HotColumns);
        _kept = key;
    }

    /// <summary>The statement's columns; from an earlier description when it ran on these same views.</summary>
    public List<SqlAnswerWriter.Column> Describe(string sql)
    {
        if (_kept is not null && _described.TryGetValue(sql, out var known))
        {
            return known;
        }

        var columns = SqlAnswerWriter.Describe(connection, sql);
        if (_kept is not null)
        {
            if (_described.Count == MaxDescriptions)
            {
                _described.Clear();
            }

            _described[sql] = columns;
        }

        return columns;
    }

    /// <summary>After a statement: views that hold unsealed rows go (their memory, and they are never reused).</summary>
    public void Release()
    {
        if (_kept is null)
        {
            Drop();
        }
    }

    private void Drop()
    {
        _kept = null;
        _described.Clear();
        try
        {
            AnalyticsViews.Drop(connection);
        }
        catch (DuckDBException)
        {
            // The next creation replaces them anyway.
        }
    }

    private static string Key(SqlWorkerRequest request)
    {
        var key = new StringBuilder();
        foreach (var column in request.HotColumns)
        {
            key.Append(column ? '1' : '0');
        }

        foreach (var part in request.Parts)
        {
            key.Append('\n').Append((int)part.Kind).Append(part.Path);
        }

        return key.ToString();
    }

    private static IEnumerable<(ReadOnlyMemory<byte>, long)> FromCurrent(IEnumerator<(ReadOnlyMemory<byte>, long)> rows)
    {
        do
        {
            yield return rows.Current;
        }
        while (rows.MoveNext());
    }
}
