using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Sluice.Server.Configuration;
using Sluice.Server.Endpoints;

namespace Sluice.Server.Http;

/// <summary>
/// The browser-ingest CORS policy built from the settings in force (<see cref="LiveSettings"/>), so a runtime change
/// of <c>Cors:*</c> holds from the next request; rebuilt only when those settings change.
/// </summary>
internal sealed class BrowserIngestPolicies(LiveSettings settings) : ICorsPolicyProvider
{
    private volatile Built? _built;

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        if (policyName != IngestEndpoints.CorsPolicy)
        {
            return Task.FromResult<CorsPolicy?>(null);
        }

        var options = settings.Current.Cors;
        var built = _built;
        if (built is null || !ReferenceEquals(built.Options, options))
        {
            var policy = new CorsPolicyBuilder();
            BrowserIngest.Configure(policy, options);
            built = new Built(options, policy.Build());
            _built = built;
        }

        return Task.FromResult<CorsPolicy?>(built.Policy);
    }

    private sealed record Built(Sluice.Core.Options.CorsOptions Options, CorsPolicy Policy);
}
