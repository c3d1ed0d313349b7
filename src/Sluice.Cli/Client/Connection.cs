using Sluice.Cli.Commands;

namespace Sluice.Cli.Client;

/// <summary>
/// Which server a command talks to, in falling precedence: <c>--url</c>; the profile named by <c>--profile</c> or
/// <c>SLUICE_PROFILE</c>; <c>SLUICE_URL</c>; the profile called <c>default</c>; http://127.0.0.1:5080. The key
/// comes from <c>SLUICE_API_KEY</c>, else the chosen profile; never from the command line, where other users of
/// the machine could read it.
/// </summary>
public static class Connection
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Reads <c>--url</c> and <c>--profile</c> from the command line and opens a client for that server.</summary>
    public static SluiceClient Open(CommandLine args, ProfileStore? store = null)
    {
        var url = args.Get("url");
        var profileName = args.Get("profile") ?? NonEmpty("SLUICE_PROFILE");
        var profiles = (store ?? ProfileStore.ForUser()).Load();
        Profile? profile = null;
        if (profileName is not null && !profiles.TryGetValue(profileName, out profile))
        {
            throw new UsageException($"no profile named '{profileName}' (sluice profile list shows them)");
        }

        if (profile is null && url is null && NonEmpty("SLUICE_URL") is null)
        {
            profiles.TryGetValue("default", out profile);
        }

        url ??= profile?.Url ?? NonEmpty("SLUICE_URL") ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"the server URL must be an absolute http or https URL, not '{url}'");
        }

        return new SluiceClient(uri, NonEmpty("SLUICE_API_KEY") ?? profile?.ApiKey);
    }

    private static string? NonEmpty(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
