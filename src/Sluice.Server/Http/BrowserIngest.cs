using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Sluice.Server.Http;

/// <summary>
/// CORS for browsers posting events (<c>/log</c> and the native ingest endpoints): only the listed origins (or any,
/// with <c>*</c>), POST with the headers ingest takes, preflights cached for 10 minutes; credentials only when asked
/// for and never with <c>*</c> (the validator refuses that pair). No origins configured: no CORS headers at all.
/// </summary>
public static class BrowserIngest
{
    public static void Configure(CorsPolicyBuilder policy, Sluice.Core.Options.CorsOptions options)
    {
        var origins = options.AllowedOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (origins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins(origins);
            if (options.AllowCredentials)
            {
                policy.AllowCredentials();
            }
        }

        policy.WithMethods("POST")
            .WithHeaders("Content-Type", "Content-Encoding", "Authorization", "X-Api-Key", "X-Seq-ApiKey")
            .WithExposedHeaders("Retry-After")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
    }
}
