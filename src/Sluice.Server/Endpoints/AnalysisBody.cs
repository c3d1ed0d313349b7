using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Analysis;
using Sluice.Core.Errors;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>Request bodies and answers of the monitor and alert endpoints: <see cref="AnalysisJson"/> both ways.</summary>
internal static class AnalysisBody
{
    /// <summary>The body as a <typeparamref name="T"/>, or null once a 400 naming the field at fault has been answered.</summary>
    public static async Task<T?> ReadAsync<T>(HttpContext context)
        where T : class
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return null;
        }

        try
        {
            return body.Deserialize<T>(AnalysisJson.Options) ?? throw new JsonException("null body");
        }
        catch (JsonException e)
        {
            var parent = e.Path is { Length: > 2 } path ? path[2..] : null;
            var unknown = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? UnknownMember(e.Message) : null;
            var field = unknown is null ? parent : parent ?? unknown; // the path already ends with the unknown name
            var reason = unknown is not null ? "is not a known field" : "has the wrong type or value";
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidType, $"'{field ?? "body"}' {reason}", field);
            return null;
        }
    }

    public static Task WriteAsync(HttpContext context, object value, int status = 200)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, AnalysisJson.Options, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, FieldError error) =>
        Problem.WriteAsync(context, error.Code == ErrorCodes.NotFound ? 404 : 400, error);

    /// <summary>System.Text.Json names an unknown property only in its message ("The JSON property 'x' could not be mapped").</summary>
    private static string? UnknownMember(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }
}
