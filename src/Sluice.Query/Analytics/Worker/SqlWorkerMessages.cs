namespace Sluice.Query.Analytics.Worker;

/// <summary>One admitted custom SQL statement for a worker, with the parts it may read and the limits of its answer.</summary>
internal sealed record SqlWorkerRequest(string Sql, IReadOnlyList<ViewPart> Parts, bool[] HotColumns, int MaxRows, long MaxAnswerBytes);

internal enum SqlWorkerStatus : byte
{
    Answered = 0,

    /// <summary>The engine refused the statement while running it (a type error, an unknown column).</summary>
    Refused = 1,

    /// <summary>The statement needed more memory than the worker may have.</summary>
    OutOfMemory = 2,

    /// <summary>The worker failed for another reason; the message names it.</summary>
    Failed = 3,
}

/// <summary>
/// A worker's answer: the table already rendered as JSON (<see cref="ColumnsJson"/> an array of names,
/// <see cref="RowsJson"/> an array of objects), bounded by the request's limits, or why there is none.
/// </summary>
internal sealed record SqlWorkerReply(SqlWorkerStatus Status, string Message, byte[] ColumnsJson, byte[] RowsJson, int RowCount, TruncatedBy Truncated, double PrepareMs, double EngineMs)
{
    public static SqlWorkerReply Error(SqlWorkerStatus status, string message) => new(status, message, [], [], 0, TruncatedBy.None, 0, 0);
}
