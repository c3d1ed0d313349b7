using System.Data.Common;

namespace Sluice.Query.Analytics;

/// <summary>
/// The rows of an answer computed in this process, read until one past <c>Query:MaxRows</c> (to tell that more
/// matched) or until their values reach <c>Query:MaxAnswerMb</c> — counted as they are read, so an answer never
/// holds more than the cap plus one value (itself bounded by the field limits).
/// </summary>
public sealed class AnswerRows
{
    /// <summary>Bytes a value costs beyond its text: quotes, separators, its column's name.</summary>
    private const int PerValue = 24;

    private AnswerRows()
    {
    }

    /// <summary>Rows made without the engine (a handful of stored counts: no byte cap to watch).</summary>
    internal static AnswerRows Of(IEnumerable<object?[]> rows)
    {
        var answer = new AnswerRows();
        answer.List.AddRange(rows);
        return answer;
    }

    public List<object?[]> List { get; } = [];

    /// <summary>Whether reading stopped at the byte cap (the row that would pass it is not in <see cref="List"/>).</summary>
    public bool CutByBytes { get; private set; }

    public static AnswerRows Read(DbDataReader reader, int maxRows, long maxBytes, CancellationToken cancel)
    {
        var rows = new AnswerRows();
        var bytes = 0L;
        while (rows.List.Count <= maxRows && reader.Read())
        {
            cancel.ThrowIfCancellationRequested();
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                bytes += PerValue + (row[i] is string text ? text.Length : 0);
            }

            if (bytes > maxBytes)
            {
                rows.CutByBytes = true;
                break;
            }

            rows.List.Add(row);
        }

        return rows;
    }
}
