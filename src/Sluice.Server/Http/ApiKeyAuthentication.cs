using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;

namespace Sluice.Server.Http;

/// <summary>The scope an endpoint needs; <see cref="ApiScope.None"/> marks one open to anyone (health probes).</summary>
public sealed record RequiredScope(ApiScope Scope);

/// <summary>
/// Checks the API key of every request against the scope its endpoint declares. The key may come as
/// <c>Authorization: Bearer</c>, <c>X-Api-Key</c>, <c>X-Seq-ApiKey</c>, the dashboard's sign-in cookie or Seq's <c>?apiKey=</c>. Without configured
/// keys only loopback clients are served. No key or an unknown one → 401; a key without the scope → 403.
/// Endpoints that declare nothing need admin (fail closed); when routing found no endpoint, or only a wrong method,
/// the 404 or 405 follows.
/// </summary>
public static class ApiKeyAuthentication
{
    /// <summary>The <see cref="HttpContext.Items"/> entry holding the public id of the request's key (quotas per key).</summary>
    public const string ApiKeyIdItem = "sluice.api_key_id";

    /// <summary>The dashboard's sign-in cookie (HttpOnly, SameSite=Strict): it holds the key the user typed.</summary>
    public const string KeyCookie = "sluice_key";

    /// <summary>The query parameter that may carry the key (for clients that cannot set headers).</summary>
    public const string QueryKeyName = "apiKey";

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiScope scope)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiredScope(scope));

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var endpoint = context.GetEndpoint();
        // No endpoint (404 follows) or the router's own 405 answer, which maps no method: nothing to protect.
        if (endpoint is null || endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>() is null)
        {
            await next(context);
            return;
        }

        var needed = endpoint.Metadata.GetMetadata<RequiredScope>()?.Scope ?? ApiScope.Admin;
        if (needed == ApiScope.None)
        {
            await next(context);
            return;
        }

        var keys = context.RequestServices.GetRequiredService<ApiKeyStore>();
        if (keys.IsEmpty)
        {
            if (IsLoopback(context.Connection.RemoteIpAddress))
            {
                await next(context);
                return;
            }

            Count(context, ErrorCodes.LoopbackOnly, needed);
            await Problem.WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.LoopbackOnly,
                "no API keys are configured, so only clients on this machine are served (set SLUICE_API_KEYS)");
            return;
        }

        var presented = PresentedKey(context.Request);
        if (presented is null)
        {
            Count(context, ErrorCodes.MissingApiKey, needed);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.MissingApiKey,
                "an API key is required: Authorization: Bearer <key>, X-Api-Key or X-Seq-ApiKey", "Authorization");
            return;
        }

        var held = keys.Authenticate(presented, out var keyId);
        if (held == ApiScope.None)
        {
            Count(context, ErrorCodes.InvalidApiKey, needed);
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.InvalidApiKey, "the API key is not valid", "Authorization");
            return;
        }

        context.Items[ApiKeyIdItem] = keyId;
        if (!held.Grants(needed))
        {
            Count(context, ErrorCodes.InsufficientScope, needed);
            await Problem.WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.InsufficientScope,
                $"this key has scope {ApiScopes.Name(held)}; {context.Request.Method} {context.Request.Path} needs {ApiScopes.Name(needed)}", "Authorization");
            return;
        }

        await next(context);
    });

    private static void Count(HttpContext context, string reason, ApiScope needed) =>
        context.RequestServices.GetRequiredService<Metrics.ServerMetrics>().AuthRejected.Add(1, reason, ApiScopes.Name(needed));

    internal static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        foreach (var header in new[] { "X-Api-Key", "X-Seq-ApiKey" })
        {
            if (request.Headers.TryGetValue(header, out var value) && !StringValues.IsNullOrEmpty(value))
            {
                return value.ToString().Trim();
            }
        }

        if (request.Cookies.TryGetValue(KeyCookie, out var cookie) && cookie.Length > 0 && CookieMayAct(request))
        {
            return cookie;
        }

        return request.Query.TryGetValue(QueryKeyName, out var query) && !StringValues.IsNullOrEmpty(query) ? query.ToString() : null;
    }

    /// <summary>
    /// Whether the sign-in cookie may stand for the key on this request. Reads may come from anywhere the browser
    /// sends it; a request that changes something must say it came from this origin (<c>Sec-Fetch-Site</c>, or
    /// <c>Origin</c> naming this host), because SameSite lets a page on another port of the same host send it.
    /// </summary>
    private static bool CookieMayAct(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return true;
        }

        if (request.Headers.TryGetValue("Sec-Fetch-Site", out var site))
        {
            return site.ToString() == "same-origin";
        }

        return Uri.TryCreate(request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
            && string.Equals(origin.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    internal static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
