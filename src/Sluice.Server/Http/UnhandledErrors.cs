using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;

namespace Sluice.Server.Http;

/// <summary>A bug becomes a logged exception and a plain 500 problem: no stack trace ever reaches a client.</summary>
public static class UnhandledErrors
{
    public static IApplicationBuilder UseProblemForUnhandledErrors(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Server");
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                logger.LogError(e, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                if (!context.Response.HasStarted)
                {
                    context.Response.Clear();
                    await Problem.WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "the server failed to answer this request; the error is in its log");
                }
            }
        });
    }
}
