using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Server.Endpoints;
using Sluice.Server.Hosting;
using Sluice.Server.Http;
using Sluice.Storage.Partitions;

namespace Sluice.Server.Mirror;

/// <summary>
/// Shadow compare for migrations: <c>GET /api/admin/compare</c> asks another Sluice for its summary of a range and
/// sets it beside this node's, count by count, scaled by the share the mirror forwards.
/// </summary>
internal static class CompareEndpoints
{
    /// <summary>The other end's key, when it is not <c>Mirror:ApiKey</c>.</summary>
    public const string OtherKeyHeader = "X-Other-Api-Key";

    public static IEndpointRouteBuilder MapCompare(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/compare", CompareAsync).RequireScope(ApiScope.Admin).RunsQuery()
            .AcceptsQuery("url", "kind", "share", "start_time", "end_time", "start", "end", "include_archive");
        return app;
    }

    private static async Task CompareAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var options = context.RequestServices.GetRequiredService<SluiceOptions>();
        var query = WithRangeAliases(context.Request.Query);
        if (!TryRead(query, options.Mirror, out var request, out var error)
            || !SearchParameters.TryRange(query, out var start, out var end, out error)
            || !SearchParameters.TryFlag(query, "include_archive", out var includeArchive, out error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        var now = context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds;
        var to = end ?? now + 1;
        var from = start ?? to - (24 * PartInfo.HourMs);
        var maps = SummaryMaps.For(request.Kind);
        var summary = context.RequestServices.GetRequiredService<IQueryEngine>().Summarize(request.Kind, from, to, includeArchive, null, now);
        var mine = new Dictionary<(string Field, string? Value), long> { [("total", null)] = summary.Total };
        foreach (var (name, field) in maps)
        {
            foreach (var (value, count) in summary.Top(field, int.MaxValue))
            {
                mine[(name, value)] = count;
            }
        }

        var key = context.Request.Headers[OtherKeyHeader] is { Count: > 0 } given ? given.ToString() : options.Mirror.ApiKey;
        var http = context.RequestServices.GetRequiredService<MirrorHttp>().Client;
        Dictionary<(string Field, string? Value), long> other;
        try
        {
            other = await FetchAsync(http, request.Url, key, request.Kind, from, to, includeArchive, [.. maps.Select(m => m.Name)], context.RequestAborted);
        }
        catch (CompareException e)
        {
            await Problem.WriteAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.OtherUnavailable, e.Message);
            return;
        }

        var counts = SummaryComparison.Compare(mine, other, request.Share);
        await QueryEndpoints.WriteJson(context, json => Write(json, request, Shown(request.Url), from, to, counts));
    }

    private static void Write(Utf8JsonWriter json, CompareRequest request, string other, long from, long to, List<ComparedCount> counts)
    {
        json.WriteStartObject();
        json.WriteString("kind", request.Kind == EventKind.Traffic ? "traffic" : "log");
        json.WriteString("other", other);
        json.WriteString("start_time", DateTimeOffset.FromUnixTimeMilliseconds(from).UtcDateTime);
        json.WriteString("end_time", DateTimeOffset.FromUnixTimeMilliseconds(to).UtcDateTime);
        json.WriteNumber("expected_share", request.Share);
        json.WriteString("tolerance", SummaryComparison.ToleranceRule);
        json.WriteBoolean("match", counts.All(c => c.Match));
        json.WriteNumber("mismatches", counts.Count(c => !c.Match));
        json.WriteStartArray("fields");
        foreach (var c in counts)
        {
            json.WriteStartObject();
            json.WriteString("field", c.Field);
            if (c.Value is not null)
            {
                json.WriteString("value", c.Value);
            }

            json.WriteNumber("this", c.This);
            json.WriteNumber("other", c.Other);
            json.WriteNumber("expected", Math.Round(c.Expected, 2));
            json.WriteNumber("difference", Math.Round(c.Difference, 2));
            json.WriteNumber("tolerance", c.Tolerance);
            json.WriteBoolean("match", c.Match);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task<Dictionary<(string Field, string? Value), long>> FetchAsync(HttpClient http, string url, string key, EventKind kind, long from, long to,
        bool includeArchive, string[] maps, CancellationToken cancel)
    {
        var path = string.Create(CultureInfo.InvariantCulture,
            $"/api/logs/analytics/summary?kind={(kind == EventKind.Traffic ? "traffic" : "log")}&start_time={from}&end_time={to}&include_archive={(includeArchive ? "true" : "false")}");
        using var message = new HttpRequestMessage(HttpMethod.Get, url.TrimEnd('/') + path);
        if (key.Length > 0)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        try
        {
            using var response = await http.SendAsync(message, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            if (!response.IsSuccessStatusCode)
            {
                throw new CompareException($"{Shown(url)} answered {(int)response.StatusCode}: {(text.Length <= 300 ? text : text[..300] + "…")}");
            }

            using var summary = JsonDocument.Parse(text);
            return SummaryComparison.Flatten(summary.RootElement, maps);
        }
        catch (HttpRequestException e)
        {
            throw new CompareException($"{Shown(url)} is unreachable: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new CompareException($"{Shown(url)} did not answer within {http.Timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CompareException($"{Shown(url)} did not answer with a Sluice summary: {e.Message}");
        }
    }

    private static bool TryRead(IQueryCollection query, MirrorOptions mirror, out CompareRequest request, out FieldError error)
    {
        request = default!;
        error = default;
        var url = query["url"].ToString() is { Length: > 0 } given ? given : mirror.Url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = new FieldError(ErrorCodes.InvalidParameter, "url", url.Length == 0
                ? "'url' is required when Mirror:Url is not set: the other Sluice's base URL"
                : "'url' must be an http:// or https:// URL");
            return false;
        }

        var kind = query["kind"].ToString() switch
        {
            "" or "log" => EventKind.Log,
            "traffic" => EventKind.Traffic,
            _ => (EventKind?)null,
        };
        if (kind is null)
        {
            error = new FieldError(ErrorCodes.InvalidParameter, "kind", "'kind' must be log or traffic");
            return false;
        }

        // The share the other end should hold: Mirror:Share when comparing with the mirror, else all of it.
        var share = mirror.Url.Length > 0 ? mirror.Share : 1.0;
        var shareText = query["share"].ToString();
        if (shareText.Length > 0 && !(double.TryParse(shareText, NumberStyles.Float, CultureInfo.InvariantCulture, out share) && share is >= 0 and <= 1))
        {
            error = new FieldError(ErrorCodes.InvalidParameter, "share", "'share' must be a number from 0 to 1");
            return false;
        }

        request = new CompareRequest(url, kind.Value, share);
        return true;
    }

    /// <summary><c>start</c> and <c>end</c> are accepted for <c>start_time</c> and <c>end_time</c>.</summary>
    private static IQueryCollection WithRangeAliases(IQueryCollection query)
    {
        if (!query.ContainsKey("start") && !query.ContainsKey("end"))
        {
            return query;
        }

        var values = query.ToDictionary(q => q.Key, q => q.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, name) in new[] { ("start", "start_time"), ("end", "end_time") })
        {
            if (values.Remove(alias, out var value) && !values.ContainsKey(name))
            {
                values[name] = value;
            }
        }

        return new QueryCollection(values);
    }

    /// <summary>The other end as shown in answers and errors: scheme, host, port and path, never credentials.</summary>
    private static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(invalid url)";

    private sealed record CompareRequest(string Url, EventKind Kind, double Share);

    private sealed class CompareException(string message) : Exception(message);
}
