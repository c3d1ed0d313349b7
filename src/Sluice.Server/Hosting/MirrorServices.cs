using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Server.Mirror;
using Sluice.Storage.Sinks;

namespace Sluice.Server.Hosting;

/// <summary>
/// With <c>Mirror:Url</c> set, the <c>mirror</c> sink forwards <c>Mirror:Share</c> of the acknowledged events to
/// the other system; the compare endpoint asks a Sluice with the same key whether it holds what it should.
/// </summary>
internal static class MirrorServices
{
    /// <summary>How the mirror and compare present themselves: no rule of system detection matches it.</summary>
    public const string UserAgent = "Sluice-Mirror/1";

    /// <summary>Most bytes read of one answer from the other end.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    public static IServiceCollection AddMirror(this IServiceCollection services, SluiceOptions options)
    {
        services.AddSingleton(_ => NewHttpClient());
        if (options.Mirror.Url.Length == 0)
        {
            return services;
        }

        services.AddSingleton<IEventSink>(sp => new MirrorEventSink(options.Mirror, sp.GetRequiredService<Dependencies>().Breaker("mirror"),
            sp.GetRequiredService<MirrorHttp>().Client, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Mirror")));
        return services;
    }

    private static MirrorHttp NewHttpClient()
    {
        // The other end's answers (an ingest receipt, a range summary) are small: a larger one is refused as it arrives.
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = MaxAnswerBytes };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        return new MirrorHttp(client);
    }
}

/// <summary>The HTTP client the mirror sink and the compare endpoint share (one connection pool to the other end).</summary>
internal sealed class MirrorHttp(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public void Dispose() => Client.Dispose();
}
