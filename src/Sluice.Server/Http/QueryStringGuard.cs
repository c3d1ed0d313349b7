using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;

namespace Sluice.Server.Http;

/// <summary>
/// No query parameter may carry NUL (<c>%00</c>): the engine's string interface stops at it, so a search for
/// <c>a%00b</c> would read as <c>a</c> in the parts and as itself in memory. Refused once here, for every
/// endpoint, with 400 <c>invalid_parameter</c> naming the parameter (ingest refuses NUL in events the same way).
/// </summary>
public static class QueryStringGuard
{
    public static IApplicationBuilder UseQueryStringGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // A NUL can only arrive percent-encoded; most requests have no query string at all.
        if (context.Request.QueryString.Value is { } raw && raw.Contains("%00", StringComparison.Ordinal))
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (name.Contains('\0') || values.Any(v => v?.Contains('\0') == true))
                {
                    var shown = name.Replace("\0", "\\u0000", StringComparison.Ordinal);
                    await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidParameter,
                        $"'{shown}' holds a NUL character (\\u0000), which is not accepted", shown);
                    return;
                }
            }
        }

        await next(context);
    });
}
