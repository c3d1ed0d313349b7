namespace Sluice.Server.Tests.Support;

/// <summary>
/// A test against the real Prometheus Alertmanager that scripts/test.sh starts and names in
/// <c>SLUICE_ALERTMANAGER_URL</c>. Without the variable (a plain <c>dotnet test</c>) the test is skipped and says
/// why; with it, an Alertmanager that does not answer fails the test.
/// </summary>
public sealed class AlertmanagerFactAttribute : FactAttribute
{
    public const string Variable = "SLUICE_ALERTMANAGER_URL";

    public AlertmanagerFactAttribute()
    {
        if (Url is null)
        {
            Skip = $"{Variable} is not set: scripts/test.sh starts Debian's prometheus-alertmanager and sets it";
        }
    }

    public static string? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url.TrimEnd('/') : null;
}
