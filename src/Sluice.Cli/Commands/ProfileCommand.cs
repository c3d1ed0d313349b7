using Sluice.Cli.Client;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice profile create|list|remove</c>: named connections (URL and key) kept in the user's profiles file, used
/// by every command through <c>--profile NAME</c> (or <c>SLUICE_PROFILE</c>); the one called <c>default</c> is used
/// when nothing else names a server. The key is read from <c>SLUICE_API_KEY</c> or, with <c>--api-key-stdin</c>,
/// from the first line of stdin, never from an argument; <c>list</c> shows keys masked.
/// </summary>
public static class ProfileCommand
{
    public static int Create(CommandLine args, ProfileStore? store = null)
    {
        store ??= ProfileStore.ForUser();
        var name = args.Require("name");
        var url = args.Require("url");
        var fromStdin = args.Flag("api-key-stdin");
        args.RejectUnknown();
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new UsageException($"--name must be letters, digits, '-', '_' or '.', not '{name}'");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an absolute http or https URL, not '{url}'");
        }

        var key = fromStdin ? Console.In.ReadLine()?.Trim() : Environment.GetEnvironmentVariable("SLUICE_API_KEY");
        var profiles = store.Load();
        profiles[name] = new Profile(uri.ToString().TrimEnd('/'), string.IsNullOrEmpty(key) ? null : key);
        store.Save(profiles);
        Console.WriteLine($"profile '{name}' → {profiles[name].Url}{(profiles[name].ApiKey is null ? " (no key)" : " (with a key)")}");
        return ExitCodes.Ok;
    }

    public static int List(CommandLine args, ProfileStore? store = null)
    {
        store ??= ProfileStore.ForUser();
        args.RejectUnknown();
        var profiles = store.Load();
        if (profiles.Count == 0)
        {
            Console.WriteLine($"no profiles ({store.FilePath})");
            return ExitCodes.Ok;
        }

        foreach (var (name, profile) in profiles)
        {
            Console.WriteLine($"{name}\t{profile.Url}\t{(profile.ApiKey is null ? "-" : "****")}");
        }

        return ExitCodes.Ok;
    }

    public static int Remove(CommandLine args, ProfileStore? store = null)
    {
        store ??= ProfileStore.ForUser();
        var name = args.Require("name");
        args.RejectUnknown();
        var profiles = store.Load();
        if (!profiles.Remove(name))
        {
            throw new CommandFailedException(ExitCodes.No, $"no profile named '{name}'");
        }

        store.Save(profiles);
        Console.WriteLine($"profile '{name}' removed");
        return ExitCodes.Ok;
    }
}
