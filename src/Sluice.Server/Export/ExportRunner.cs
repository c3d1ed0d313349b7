using Sluice.Core.Options;
using Sluice.Query;

namespace Sluice.Server.Export;

/// <summary>
/// Pages through the engine with search cursors, oldest first, handing each page to a writer: no row cap, and at
/// most one page (<c>Query:MaxLimit</c> rows, <c>Query:MaxAnswerMb</c>) held at a time. The cursor's snapshot keeps
/// events that arrive meanwhile out, so each row is written once. Each page has its own <c>Query:TimeoutMs</c>.
/// </summary>
internal static class ExportRunner
{
    /// <param name="rowsWritten">Called after each page with the rows written so far.</param>
    public static async Task<long> RunAsync(IQueryEngine engine, QueryOptions options, ExportRequest export, IExportWriter writer, Action<long>? rowsWritten, CancellationToken cancel)
    {
        var request = export.Search;
        var rows = 0L;
        while (true)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(options.TimeoutMs);
            Query.Search.SearchCursor? next;
            using (var result = engine.Search(request, export.IncludeArchive, deadline.Token))
            {
                foreach (var row in result.Value.Rows)
                {
                    writer.Write(row.Bytes.Span);
                }

                rows += result.Value.Rows.Count;
                next = result.Value.Next;
            }

            // The read scope is released before waiting on the output.
            await writer.FlushAsync(cancel);
            rowsWritten?.Invoke(rows);
            if (next is null)
            {
                break;
            }

            request = request with { Cursor = next };
        }

        await writer.CompleteAsync(cancel);
        return rows;
    }
}
