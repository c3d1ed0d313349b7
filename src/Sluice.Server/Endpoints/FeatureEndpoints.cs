using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Admission.Auth;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>
/// Feature flags of the migration to ClickHouse: the read path. <c>PUT</c> switches it for the next question (and
/// keeps the choice across a restart), so going back to local reads is one request (admin scope).
/// </summary>
internal static class FeatureEndpoints
{
    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/features", (HttpContext context) => Write(context, context.RequestServices.GetService<ReadPathSwitch>())).RequireScope(ApiScope.Admin);
        app.MapPut("/api/admin/features", SetAsync).RequireScope(ApiScope.Admin);
        return app;
    }

    private static async Task SetAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (!JsonBody.TryString(body, "reads", out var reads, out var error))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        if (reads is null || !Enum.TryParse<ReadPath>(reads, ignoreCase: true, out var path) || !Enum.IsDefined(path) || char.IsDigit(reads[0]))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidValue, "'reads' must be \"local\" or \"clickhouse\"", "reads");
            return;
        }

        if (context.RequestServices.GetService<ReadPathSwitch>() is not { } readPath)
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.ClickHouseNotConfigured,
                "the read path can only change when ClickHouse is configured (ClickHouse:Url); every question is answered locally", "reads");
            return;
        }

        var before = readPath.Reads;
        readPath.Set(path, context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds);
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Features")
            .LogInformation("Read path switched from {Before} to {After}", Name(before), Name(path));
        await Write(context, readPath);
    }

    private static Task Write(HttpContext context, ReadPathSwitch? readPath)
    {
        var options = context.RequestServices.GetRequiredService<SluiceOptions>().ClickHouse;
        return QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("clickhouse_configured", readPath is not null);
            json.WriteString("reads", Name(readPath?.Reads ?? ReadPath.Local));
            json.WriteString("source", readPath?.Current.Source ?? "no clickhouse");
            if (readPath?.Current.ChangedAtMs is { } changed)
            {
                json.WriteNumber("changed_at", changed);
            }
            else
            {
                json.WriteNull("changed_at");
            }

            json.WriteNumber("local_window_minutes", options.LocalWindowMinutes);
            json.WriteEndObject();
        });
    }

    private static string Name(ReadPath path) => path == ReadPath.ClickHouse ? "clickhouse" : "local";
}
