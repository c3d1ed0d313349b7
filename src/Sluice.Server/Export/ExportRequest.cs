using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Analytics;
using Sluice.Query.Search;
using Sluice.Server.Endpoints;

namespace Sluice.Server.Export;

/// <summary>
/// What to export: a query-language filter (as <c>GET /api/logs/search</c> takes it in <c>query=</c>), a range
/// (<c>start</c>/<c>end</c>, or <c>start_time</c>/<c>end_time</c>), a kind and a format. The search it becomes
/// reads oldest first, one page of <c>Query:MaxLimit</c> rows at a time.
/// </summary>
public sealed record ExportRequest(SearchRequest Search, ExportFormat Format, bool IncludeArchive)
{
    /// <summary>Every parameter an export reads.</summary>
    public static readonly string[] Parameters = ["query", "start", "end", "start_time", "end_time", "kind", "format", "include_archive"];

    /// <summary>Reads the parameters from a query string (the sync endpoint) or a job's JSON body turned into one.</summary>
    public static bool TryParse(IQueryCollection query, QueryOptions options, long nowMs, out ExportRequest request, out FieldError error)
    {
        request = null!;
        if (!ExportFormats.TryParse(query["format"].ToString(), out var format))
        {
            error = Bad("format", "'format' must be ndjson, csv or parquet");
            return false;
        }

        long? start = null, end = null;
        if (!TryTime(query, "start", "start_time", ref start, out error) || !TryTime(query, "end", "end_time", ref end, out error))
        {
            return false;
        }

        if (start >= end)
        {
            error = Bad("end", "'end' must be after 'start'");
            return false;
        }

        EventKind? kind = null;
        switch (query["kind"].ToString())
        {
            case "": break;
            case "log": kind = EventKind.Log; break;
            case "traffic": kind = EventKind.Traffic; break;
            default:
                error = Bad("kind", "'kind' must be log or traffic");
                return false;
        }

        if (!SearchParameters.TryFilter(query, out var filter, out error)
            || !SearchParameters.TryFlag(query, "include_archive", out var includeArchive, out error))
        {
            return false;
        }

        if (filter is not null)
        {
            // As search does: the filter's own range and kind narrow which parts are read.
            var bounds = QueryBounds.Of(filter, nowMs).Within(start, end);
            start = bounds.Start == long.MinValue ? start : bounds.Start;
            end = bounds.End == long.MaxValue ? end : bounds.End;
            kind ??= bounds.Kind;
        }

        request = new ExportRequest(new SearchRequest
        {
            Filter = filter,
            NowMs = nowMs,
            StartMs = start,
            EndMs = end,
            Kind = kind,
            Limit = options.MaxLimit,
            MaxBytes = options.MaxAnswerMb * 1024L * 1024,
            Descending = false,
        }, format, includeArchive);
        return true;
    }

    private static bool TryTime(IQueryCollection query, string name, string alias, ref long? value, out FieldError error)
    {
        error = default;
        return SearchParameters.TryTime(query, query.ContainsKey(name) ? name : alias, ref value, ref error);
    }

    private static FieldError Bad(string field, string message) => new(ErrorCodes.InvalidParameter, field, message);
}
