using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>
/// Fault injection for chaos tests and drills (seed 002's matrix): fail or slow a named dependency for a while. Off
/// unless <c>Chaos:Enabled</c>; admin scope.
/// </summary>
public static class ChaosEndpoints
{
    /// <summary>The longest delay a slow fault may add to each call, in ms.</summary>
    internal const int MaxDelayMs = 600_000;

    public static IEndpointRouteBuilder MapChaos(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/chaos", InjectAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/admin/chaos", ListAsync).RequireScope(ApiScope.Admin);
        app.MapDelete("/api/admin/chaos", context => EndAsync(context, null)).RequireScope(ApiScope.Admin);
        app.MapDelete("/api/admin/chaos/{dependency}", (HttpContext context, string dependency) => EndAsync(context, dependency)).RequireScope(ApiScope.Admin);
        return app;
    }

    private static async Task InjectAsync(HttpContext context)
    {
        if (await DisabledAsync(context) is not { } dependencies)
        {
            return;
        }

        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var options = context.RequestServices.GetRequiredService<SluiceOptions>().Chaos;
        var (request, error) = ChaosRequest.Read(body, dependencies, options.MaxSeconds);
        if (request is null)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var fault = dependencies.Faults.Inject(request.Dependency, request.Mode, TimeSpan.FromSeconds(request.Seconds), request.DelayMs);
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Chaos").LogWarning(
            "Chaos: {Dependency} {Mode} for {Seconds} s (delay {DelayMs} ms)", fault.Dependency, InjectedFault.ModeName(fault.Mode), request.Seconds, fault.DelayMs);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("success", true);
            json.WritePropertyName("fault");
            Write(json, fault);
            json.WriteEndObject();
        });
    }

    private static async Task ListAsync(HttpContext context)
    {
        if (await DisabledAsync(context) is not { } dependencies)
        {
            return;
        }

        var faults = dependencies.Faults.Active();
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("faults");
            foreach (var fault in faults)
            {
                Write(json, fault);
            }

            json.WriteEndArray();
            json.WriteStartArray("dependencies");
            foreach (var breaker in dependencies.All)
            {
                json.WriteStringValue(breaker.Name);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static async Task EndAsync(HttpContext context, string? dependency)
    {
        if (await DisabledAsync(context) is not { } dependencies)
        {
            return;
        }

        if (dependency is not null && dependencies.Find(dependency) is null)
        {
            await Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no dependency named '{dependency}' (GET /api/admin/chaos lists them)", "dependency");
            return;
        }

        var ended = dependencies.Faults.End(dependency);
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Chaos").LogWarning("Chaos: ended {Ended} fault(s) on {Dependency}", ended, dependency ?? "every dependency");
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("success", true);
            json.WriteNumber("ended", ended);
            json.WriteEndObject();
        });
    }

    /// <summary>The registry when chaos is enabled; otherwise null once 404 <c>chaos_disabled</c> is answered.</summary>
    private static async Task<Dependencies?> DisabledAsync(HttpContext context)
    {
        if (context.RequestServices.GetRequiredService<SluiceOptions>().Chaos.Enabled)
        {
            return context.RequestServices.GetRequiredService<Dependencies>();
        }

        await Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.ChaosDisabled, "fault injection is off; set Chaos:Enabled to use it");
        return null;
    }

    private static void Write(Utf8JsonWriter json, InjectedFault fault)
    {
        json.WriteStartObject();
        json.WriteString("dependency", fault.Dependency);
        json.WriteString("mode", InjectedFault.ModeName(fault.Mode));
        if (fault.Mode == FaultMode.Slow)
        {
            json.WriteNumber("delay_ms", fault.DelayMs);
        }

        json.WriteNumber("remaining_seconds", Math.Ceiling(fault.RemainingMs / 1000.0));
        json.WriteString("expires_at", fault.ExpiresAt.UtcDateTime);
        json.WriteEndObject();
    }
}
