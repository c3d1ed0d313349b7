using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Query.Search;

namespace Sluice.Server.Endpoints;

/// <summary>Turns the query string of <c>GET /api/logs/search</c> into a <see cref="SearchRequest"/>, or names the bad parameter.</summary>
public static class SearchParameters
{
    /// <summary>The parameters <see cref="TryParse"/> reads, and <c>include_archive</c>, which the search endpoints read beside it.</summary>
    public static readonly string[] Names =
        ["q", "query", "start_time", "end_time", "level", "kind", "service", "system", "domain", "trace_id", "user_id", "limit", "order", "cursor", "include_archive"];

    /// <summary>The parameters <see cref="TryParseTraffic"/> reads.</summary>
    public static readonly string[] TrafficNames = [.. Names, "decision", "country", "path"];

    /// <summary>The parameters <see cref="TryRange"/> reads.</summary>
    public static readonly string[] RangeNames = ["start_time", "end_time"];

    public static bool TryParse(IQueryCollection query, QueryOptions options, long nowMs, out SearchRequest request, out FieldError error)
    {
        request = new SearchRequest();
        error = default;

        long? start = null, end = null;
        if (!TryTime(query, "start_time", ref start, ref error) || !TryTime(query, "end_time", ref end, ref error))
        {
            return false;
        }

        if (start >= end)
        {
            // As aggregations answer: an empty or reversed range is a mistake, not a question with no events.
            error = Bad("end_time", "'end_time' must be after 'start_time'");
            return false;
        }

        if (!TryLevels(Split(query["level"]), "level", out var named, out error))
        {
            return false;
        }

        var levels = named.Aggregate(0, (mask, level) => mask | (1 << (int)level));

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

        var limit = options.DefaultLimit;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > options.MaxLimit))
        {
            error = Bad("limit", $"'limit' must be a whole number from 1 to {options.MaxLimit}");
            return false;
        }

        var descending = true;
        switch (query["order"].ToString().ToLowerInvariant())
        {
            case "" or "desc": break;
            case "asc": descending = false; break;
            default:
                error = Bad("order", "'order' must be asc or desc");
                return false;
        }

        SearchCursor? cursor = null;
        if (query.TryGetValue("cursor", out var cursorText) && cursorText.ToString().Length > 0)
        {
            if (!SearchCursor.TryDecode(cursorText.ToString(), out var decoded) || decoded.Descending != descending)
            {
                error = new FieldError(ErrorCodes.InvalidCursor, "cursor", "'cursor' is not one this search returned (was the order changed?)");
                return false;
            }

            cursor = decoded;
            if (decoded.NowMs > 0)
            {
                nowMs = decoded.NowMs;
            }
        }

        if (!TryFilter(query, out var filter, out error))
        {
            return false;
        }

        if (filter is not null)
        {
            // The filter's own time range and kind narrow which parts are read; the filter still decides each event.
            var bounds = QueryBounds.Of(filter, nowMs).Within(start, end);
            start = bounds.Start == long.MinValue ? start : bounds.Start;
            end = bounds.End == long.MaxValue ? end : bounds.End;
            kind ??= bounds.Kind;
        }

        var text = query["q"].ToString();
        request = new SearchRequest
        {
            Filter = filter,
            NowMs = nowMs,
            StartMs = start,
            EndMs = end,
            LevelMask = levels,
            Kind = kind,
            Service = Bytes(query, "service"),
            System = Bytes(query, "system"),
            Domain = Bytes(query, "domain"),
            TraceId = Bytes(query, "trace_id"),
            UserId = Bytes(query, "user_id"),
            Text = text.Length == 0 ? null : text,
            Limit = limit,
            MaxBytes = options.MaxAnswerMb * 1024L * 1024,
            Descending = descending,
            Cursor = cursor,
        };
        return true;
    }

    /// <summary>
    /// <c>GET /api/traffic-logs/v2</c>: a search of traffic events, with <c>decision</c>, <c>country</c> and <c>path</c>
    /// (<c>*</c> wildcards) beside the search parameters; each is one more filter term.
    /// </summary>
    public static bool TryParseTraffic(IQueryCollection query, QueryOptions options, long nowMs, out SearchRequest request, out FieldError error)
    {
        if (!TryParse(query, options, nowMs, out request, out error))
        {
            return false;
        }

        var filter = request.Filter;
        foreach (var name in new[] { "decision", "country", "path" })
        {
            var value = query[name].ToString();
            if (value.Length == 0)
            {
                continue;
            }

            var field = QueryField.Resolve(name);
            var wildcard = name == "path" && value.Contains('*', StringComparison.Ordinal);
            var term = new FieldFilter(field, wildcard ? MatchOp.Wildcard : MatchOp.Equal, wildcard ? value.Replace("\\", "\\\\", StringComparison.Ordinal) : value);
            filter = filter is null ? term : new AndFilter(filter, term);
        }

        request = request with { Kind = EventKind.Traffic, Filter = filter };
        return true;
    }

    /// <summary><c>query=</c>: a query-language filter (no pipes), or null when absent.</summary>
    public static bool TryFilter(IQueryCollection query, out Filter? filter, out FieldError error)
    {
        return TryFilterText(query["query"].ToString(), out filter, out error);
    }

    /// <summary>A query-language filter given as text (no pipes; empty: none), or the error naming <c>query</c>.</summary>
    public static bool TryFilterText(string text, out Filter? filter, out FieldError error)
    {
        filter = null;
        error = default;
        if (text.Length == 0)
        {
            return true;
        }

        try
        {
            var parsed = QueryParser.Parse(text);
            if (parsed.Pipes.Count > 0)
            {
                error = new FieldError(ErrorCodes.InvalidQuery, "query", $"at character {parsed.PipesAt}: this endpoint takes a filter only; run pipes (| stats …) with POST /api/logs/analytics/custom")
                {
                    Position = parsed.PipesAt,
                };
                return false;
            }

            filter = parsed.Filter;
            return true;
        }
        catch (QueryException e)
        {
            error = new FieldError(ErrorCodes.InvalidQuery, "query", e.Message) { Position = e.Position };
            return false;
        }
    }

    /// <summary>A true/false parameter; absent is false.</summary>
    public static bool TryFlag(IQueryCollection query, string name, out bool value, out FieldError error)
    {
        error = default;
        switch (query[name].ToString().ToLowerInvariant())
        {
            case "" or "false" or "0": value = false; return true;
            case "true" or "1": value = true; return true;
            default:
                value = false;
                error = Bad(name, $"'{name}' must be true or false");
                return false;
        }
    }

    /// <summary>Start and end times (either may be absent), checked to be in order.</summary>
    public static bool TryRange(IQueryCollection query, out long? start, out long? end, out FieldError error)
    {
        start = end = null;
        error = default;
        if (!TryTime(query, "start_time", ref start, ref error) || !TryTime(query, "end_time", ref end, ref error))
        {
            return false;
        }

        if (start > end)
        {
            error = Bad("end_time", "'end_time' is before 'start_time'");
            return false;
        }

        return true;
    }

    /// <summary>Reads an optional time parameter (ISO-8601 or epoch) into <paramref name="value"/>; a bad one sets <paramref name="error"/> naming it.</summary>
    internal static bool TryTime(IQueryCollection query, string name, ref long? value, ref FieldError error)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!Timestamps.TryParse(text, out var ms))
        {
            error = Bad(name, $"'{name}' {Timestamps.WhyNot(text)}");
            return false;
        }

        value = ms;
        return true;
    }

    private static byte[]? Bytes(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        return text.Length == 0 ? null : Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Level names (each part of a comma list), or the error naming <paramref name="field"/> and the bad name.</summary>
    public static bool TryLevels(IEnumerable<string> names, string field, out List<EventLevel> levels, out FieldError error)
    {
        levels = [];
        error = default;
        foreach (var name in names)
        {
            if (!Levels.TryParse(Encoding.UTF8.GetBytes(name), out var level))
            {
                error = Bad(field, $"'{name}' is not a level (trace, debug, info, warn, error, fatal)");
                return false;
            }

            levels.Add(level);
        }

        return true;
    }

    /// <summary>The parts of a comma list, over every value of a repeated parameter.</summary>
    public static IEnumerable<string> Split(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static FieldError Bad(string field, string message) => new(ErrorCodes.InvalidParameter, field, message);
}
