using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;

namespace Sluice.Server.Http;

/// <summary>
/// The query parameters an endpoint reads, declared where it is mapped (<see cref="QueryParameterCheck.AcceptsQuery{TBuilder}"/>).
/// A parameter an endpoint does not read is refused rather than silently ignored, so <c>?kind=log</c> on an endpoint
/// without <c>kind</c> cannot look like a filter that worked.
/// </summary>
/// <param name="Any">The endpoint takes any parameter (the dashboard's pages keep their own state in the URL).</param>
public sealed record QueryParameters(IReadOnlyList<string> Names, bool Any = false);

/// <summary>
/// Refuses, once for every endpoint, a query parameter the endpoint does not declare: 400 <c>unknown_parameter</c>,
/// naming the parameter and listing the accepted ones. An endpoint with no declaration accepts none. Names match
/// without regard to case, as the endpoints read them. <c>apiKey</c> is accepted everywhere (the key may come in
/// the query).
/// </summary>
public static class QueryParameterCheck
{
    /// <summary>Parameters every endpoint accepts.</summary>
    public static readonly string[] Everywhere = [ApiKeyAuthentication.QueryKeyName];

    public static TBuilder AcceptsQuery<TBuilder>(this TBuilder builder, params string[] names)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new QueryParameters(names));

    public static TBuilder AcceptsAnyQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new QueryParameters([], Any: true));

    /// <summary>Runs after routing (it reads the endpoint's declaration) and after the key check (a caller without a key learns nothing).</summary>
    public static IApplicationBuilder UseQueryParameterCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.QueryString.HasValue && context.GetEndpoint() is { } endpoint
            && endpoint.Metadata.GetMetadata<QueryParameters>() is not { Any: true } && Unknown(context.Request.Query, endpoint) is { } unknown)
        {
            var accepted = Accepted(endpoint);
            var list = accepted.Count == 0 ? "none" : string.Join(", ", accepted);
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest,
                new FieldError(ErrorCodes.UnknownParameter, unknown, $"'{unknown}' is not a parameter of {context.Request.Method} {context.Request.Path}; it accepts: {list}"),
                json =>
                {
                    json.WriteStartArray("accepted");
                    accepted.ForEach(json.WriteStringValue);
                    json.WriteEndArray();
                });
            return;
        }

        await next(context);
    });

    private static string? Unknown(IQueryCollection query, Endpoint endpoint)
    {
        var declared = endpoint.Metadata.GetMetadata<QueryParameters>()?.Names ?? [];
        foreach (var (name, _) in query)
        {
            if (!declared.Contains(name, StringComparer.OrdinalIgnoreCase) && !Everywhere.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    private static List<string> Accepted(Endpoint endpoint) =>
        [.. (endpoint.Metadata.GetMetadata<QueryParameters>()?.Names ?? []).Concat(Everywhere)];
}
