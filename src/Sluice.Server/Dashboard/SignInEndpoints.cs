using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Server.Endpoints;
using Sluice.Server.Http;

namespace Sluice.Server.Dashboard;

/// <summary>
/// Signing in to the dashboard (seed 003's auth endpoints): the key the user types is checked and kept in an
/// HttpOnly, SameSite=Strict cookie (Secure under TLS), so no script can read it and no other site can send it.
/// Without configured keys there is nothing to sign in to: loopback clients are served as before.
/// </summary>
public static class SignInEndpoints
{
    public static void MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/validate", ValidateAsync).RequireScope(ApiScope.None);
        app.MapGet("/api/v1/auth/status", StatusAsync).RequireScope(ApiScope.None);
        app.MapPost("/api/v1/auth/logout", LogoutAsync).RequireScope(ApiScope.None);
    }

    private static async Task ValidateAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (!JsonBody.TryString(body, "api_key", out var key, out var error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        if (string.IsNullOrEmpty(key))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "'api_key' is required", "api_key");
            return;
        }

        var keys = context.RequestServices.GetRequiredService<ApiKeyStore>();
        if (keys.IsEmpty)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "this server has no API keys configured, so there is nothing to sign in to", "api_key");
            return;
        }

        var scope = keys.Authenticate(key, out var keyId);
        if (scope == ApiScope.None)
        {
            await Problem.WriteAsync(context, 401, ErrorCodes.InvalidApiKey, "the API key is not valid", "api_key");
            return;
        }

        if (!scope.Grants(ApiScope.Read))
        {
            await Problem.WriteAsync(context, 403, ErrorCodes.InsufficientScope, $"this key has scope {ApiScopes.Name(scope)}; the dashboard needs read", "api_key");
            return;
        }

        context.Response.Cookies.Append(ApiKeyAuthentication.KeyCookie, key, Cookie(context, TimeSpan.FromDays(30)));
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("valid", true);
            json.WriteString("scope", ApiScopes.Name(scope));
            json.WriteString("key_id", keyId);
            json.WriteEndObject();
        });
    }

    private static Task StatusAsync(HttpContext context)
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeyStore>();
        var presented = ApiKeyAuthentication.PresentedKey(context.Request);
        var scope = keys.IsEmpty
            ? (ApiKeyAuthentication.IsLoopback(context.Connection.RemoteIpAddress) ? ApiScope.Ingest | ApiScope.Read | ApiScope.Admin : ApiScope.None)
            : presented is null ? ApiScope.None : keys.Authenticate(presented);
        return QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("keys_required", !keys.IsEmpty);
            json.WriteBoolean("signed_in", !keys.IsEmpty && scope != ApiScope.None);
            if (scope == ApiScope.None)
            {
                json.WriteNull("scope");
            }
            else
            {
                json.WriteString("scope", ApiScopes.Name(scope));
            }

            json.WriteEndObject();
        });
    }

    private static Task LogoutAsync(HttpContext context)
    {
        context.Response.Cookies.Delete(ApiKeyAuthentication.KeyCookie, Cookie(context, null));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static CookieOptions Cookie(HttpContext context, TimeSpan? lifetime) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        MaxAge = lifetime,
        IsEssential = true,
    };
}
