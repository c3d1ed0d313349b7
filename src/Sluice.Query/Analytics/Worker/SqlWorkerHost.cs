using System.Diagnostics;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Sluice.Core.Options;
using Sluice.Query.Sql;
using Sluice.Storage.Engine;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics.Worker;

/// <summary>What a SQL worker process is started with.</summary>
/// <param name="Partitions">The part directory its engine may read (with <paramref name="Archive"/>; nothing else).</param>
/// <param name="Archive">The archive directory its engine may read.</param>
/// <param name="MemoryBytes">The cap on the process's data memory (RLIMIT_DATA); the engine's own limit is half of it.</param>
/// <param name="Threads">Threads the engine may use.</param>
/// <param name="Workers">Most worker processes at once (the server side of the settings).</param>
public sealed record SqlWorkerSettings(string Partitions, string Archive, long MemoryBytes, int Threads, int Workers = 1);

/// <summary>
/// The <c>sluice sql-worker</c> process: one sandboxed engine that answers custom SQL, one statement at a time,
/// read from standard input and answered on standard output (<see cref="SqlWorkerProtocol"/>). It runs apart from
/// the server so that what a statement allocates is capped by the kernel for this process alone — the engine's own
/// memory limit does not cover every allocation (a 1 GB <c>repeat()</c> passes it) — and so that a statement that
/// will not stop can be ended by ending the process. It exits when its input closes.
/// </summary>
public static class SqlWorkerHost
{
    public static int Run(Stream input, Stream output, SqlWorkerSettings settings, TextWriter log)
    {
        if (!ProcessLimits.TryLimitData(settings.MemoryBytes))
        {
            log.WriteLine($"sluice sql-worker: could not cap data memory at {settings.MemoryBytes} bytes on this system; running uncapped");
        }

        var engineMb = (int)Math.Max(64, settings.MemoryBytes / 2 / (1024 * 1024));
        using var engine = new DuckDbEngine(new StorageOptions { QueryThreads = settings.Threads, QueryMemoryMb = engineMb }, [settings.Partitions, settings.Archive]);
        var roots = new PartRoots(settings.Partitions, settings.Archive);
        // One connection for the worker's life: it runs one statement at a time, and its views may serve the next.
        using var connection = engine.Rent();
        var views = new SqlWorkerViews(connection);
        using var reader = new BinaryReader(input);
        using var writer = new BinaryWriter(output);
        while (SqlWorkerProtocol.ReadRequest(reader) is { } request)
        {
            SqlWorkerProtocol.WriteReply(writer, Answer(connection, views, roots, request, reader));
        }

        return 0;
    }

    private static SqlWorkerReply Answer(DuckDbEngine.Connection connection, SqlWorkerViews views, PartRoots roots, SqlWorkerRequest request, BinaryReader input)
    {
        var started = Stopwatch.GetTimestamp();
        using var rows = SqlWorkerProtocol.ReadRows(input).GetEnumerator();
        try
        {
            views.Prepare(request, rows);
            var prepared = Stopwatch.GetTimestamp();
            var columns = views.Describe(request.Sql);
            using var command = connection.Command(SqlAnswerWriter.Outer(request.Sql, columns, request.MaxRows, request.MaxAnswerBytes));
            command.UseStreamingMode = true; // rows are made as they are read, so the byte cap also stops the engine
            using var reader = command.ExecuteReader();
            var (json, count, truncated) = SqlAnswerWriter.WriteRows(reader, columns, request.MaxRows, request.MaxAnswerBytes, CancellationToken.None);
            return new SqlWorkerReply(SqlWorkerStatus.Answered, "", SqlAnswerWriter.WriteColumns(columns), json, count, truncated,
                Stopwatch.GetElapsedTime(started, prepared).TotalMilliseconds, Stopwatch.GetElapsedTime(prepared).TotalMilliseconds);
        }
        catch (DuckDBException e) when (e.ErrorType == DuckDBErrorType.OutOfMemory)
        {
            return SqlWorkerReply.Error(SqlWorkerStatus.OutOfMemory, EngineMessage.Of(e.Message, roots));
        }
        catch (DuckDBException e)
        {
            return SqlWorkerReply.Error(SqlWorkerStatus.Refused, EngineMessage.Of(e.Message, roots));
        }
        catch (OutOfMemoryException)
        {
            return SqlWorkerReply.Error(SqlWorkerStatus.OutOfMemory, "the answer did not fit the worker's memory");
        }
        catch (Exception e) when (e is not (IOException or InvalidDataException))
        {
            return SqlWorkerReply.Error(SqlWorkerStatus.Failed, e.GetType().Name);
        }
        finally
        {
            // The request's rows are read to their end whatever happened, so the next request starts in step.
            while (rows.MoveNext())
            {
            }

            views.Release();
        }
    }
}
