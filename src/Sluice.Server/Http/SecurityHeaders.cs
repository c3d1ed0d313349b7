using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sluice.Server.Http;

/// <summary>
/// Headers every answer carries, errors included (they are added as the response starts, after any clearing):
/// no MIME sniffing, no framing, a content policy that lets an API answer load nothing, no referrer, and HSTS when
/// the request came over TLS. The dashboard will set its own content policy.
/// </summary>
public static class SecurityHeaders
{
    public const string ApiContentPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = ApiContentPolicy;
            }

            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
