using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Errors;
using Sluice.Core.Options;

namespace Sluice.Server.Http;

/// <summary>Marks an endpoint that runs a query on an engine: it needs one of the <see cref="QueryGate"/>'s places.</summary>
public sealed class RunsQuery
{
    public static readonly RunsQuery Instance = new();
}

/// <summary>
/// At most <c>Query:MaxConcurrent</c> queries run at once, so what queries hold at once (engine memory, answers of
/// up to <c>Query:MaxAnswerMb</c>) is bounded by configuration. A query waits up to <c>Query:QueueWaitMs</c> for a
/// place, then is refused with 503 <c>too_many_queries</c> and <c>Retry-After</c>.
/// </summary>
public sealed class QueryGate(QueryOptions options)
{
    private readonly SemaphoreSlim _places = new(options.MaxConcurrent, options.MaxConcurrent);
    private long _refused;

    public int Capacity => options.MaxConcurrent;

    public int Running => options.MaxConcurrent - _places.CurrentCount;

    /// <summary>Queries refused for want of a place since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    internal Task<bool> EnterAsync(CancellationToken cancel) => _places.WaitAsync(options.QueueWaitMs, cancel);

    internal void Leave() => _places.Release();

    internal void CountRefusal() => Interlocked.Increment(ref _refused);
}

public static class QueryGateExtensions
{
    public static TBuilder RunsQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(Http.RunsQuery.Instance);

    /// <summary>Holds a place of the <see cref="QueryGate"/> around every endpoint marked <see cref="Http.RunsQuery"/>.</summary>
    public static IApplicationBuilder UseQueryGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RunsQuery>() is null)
        {
            await next(context);
            return;
        }

        var gate = context.RequestServices.GetRequiredService<QueryGate>();
        bool entered;
        try
        {
            entered = await gate.EnterAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return; // the client went away while waiting
        }

        if (!entered)
        {
            gate.CountRefusal();
            context.Response.Headers.RetryAfter = "1";
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.TooManyQueries,
                $"{gate.Capacity} queries are already running (Query:MaxConcurrent); retry shortly");
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            gate.Leave();
        }
    });
}
