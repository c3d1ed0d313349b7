using System.Collections;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Sluice.Cli.Client;
using Sluice.Core.Options;
using Sluice.Server.Configuration;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice forward --to URL [--api-key-env NAME] [--listen H:P] [--data DIR] [--batch N] [--interval DURATION]</c>:
/// the server in an edge role (docs/forwarder.md). It takes every ingest protocol and acknowledges into its own WAL
/// like <c>serve</c>; its <c>mirror</c> sink sends every event, with its id, to the upstream Sluice in batches,
/// through the <c>mirror</c> breaker, and the WAL keeps whatever has not been sent.
/// </summary>
public static class ForwardCommand
{
    /// <summary>Where the upstream key is read from when <c>--api-key-env</c> names no other variable.</summary>
    public const string DefaultKeyVariable = "SLUICE_FORWARD_API_KEY";

    /// <summary>The seed's forwarder: 50 events or 30 s, whichever comes first.</summary>
    public const int DefaultBatch = 50;

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Settings of the edge role that sit where environment variables do (so SLUICE__Section__Key changes them):
    /// its own port and directory beside a server on the same machine, short local retention so the edge does not
    /// fill up, and a WAL that waits for the upstream however far behind it falls (1 TiB, the most Sinks:MaxLagMb takes).
    /// </summary>
    private static readonly Dictionary<string, string> RoleDefaults = new()
    {
        ["Listen"] = "127.0.0.1:5081",
        ["DataDir"] = "./forward-data",
        ["Retention:LogDays"] = "1",
        ["Retention:TrafficHours"] = "24",
        ["Retention:MaxDiskBytes"] = (1L << 30).ToString(CultureInfo.InvariantCulture),
        ["Sinks:MaxLagMb"] = "1048576",
    };

    public static async Task<int> RunAsync(CommandLine args)
    {
        var to = args.Require("to");
        if (!Uri.TryCreate(to, UriKind.Absolute, out var upstream) || upstream.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--to must be an http:// or https:// URL, not '{to}'");
        }

        var keyVariable = args.Get("api-key-env");
        var key = Environment.GetEnvironmentVariable(keyVariable ?? DefaultKeyVariable) ?? "";
        if (keyVariable is not null && key.Length == 0)
        {
            throw new UsageException($"--api-key-env names {keyVariable}, which is not set");
        }

        var batch = args.GetLong("batch", DefaultBatch);
        if (batch is < 1 or > 100_000)
        {
            throw new UsageException($"--batch must be 1..100000, not {batch}");
        }

        var interval = args.Get("interval") is { } text ? ParseDuration("interval", text) : DefaultInterval;
        var overrides = new Dictionary<string, string?>
        {
            ["Mirror:Url"] = to.TrimEnd('/'),
            ["Mirror:Protocol"] = nameof(MirrorProtocol.Sluice),
            ["Mirror:Share"] = "1",
            ["Mirror:BatchEvents"] = batch.ToString(CultureInfo.InvariantCulture),
            ["Mirror:LingerMs"] = ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        };
        if (key.Length > 0)
        {
            overrides["Mirror:ApiKey"] = key;
        }

        if (args.Get("listen") is { } listen)
        {
            overrides["Listen"] = listen;
        }

        if (args.Get("data") is { } data)
        {
            overrides["DataDir"] = data;
        }

        args.RejectUnknown();

        SluiceOptions options;
        try
        {
            options = SluiceConfiguration.Load(null, overrides, WithRoleDefaults(Environment.GetEnvironmentVariables()));
        }
        catch (OptionsException e)
        {
            throw new CommandFailedException(ExitCodes.Usage, $"invalid configuration: {e.Message}");
        }

        Console.WriteLine("sluice: effective options");
        foreach (var line in OptionsPrinter.Lines(options))
        {
            Console.WriteLine("  " + line);
        }

        WebApplication app;
        try
        {
            app = SluiceServer.Build(options);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(1, $"cannot open the data directory: {e.Message}");
        }

        await using var running = app;
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            throw new CommandFailedException(1, $"cannot listen on {options.Listen}: {e.Message}");
        }

        var url = app.BaseAddress();
        Console.WriteLine($"sluice: serving {url} as a forwarder to {upstream.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)} " +
            $"in batches of {batch} events or every {interval.TotalSeconds:0.###} s (backlog: {url}metrics, sluice_sink_lag_events{{sink=\"mirror\"}})");
        await app.WaitForShutdownAsync();
        return Environment.ExitCode;
    }

    /// <summary>The process environment with the role's defaults added under the names it does not set.</summary>
    private static Hashtable WithRoleDefaults(IDictionary environment)
    {
        var merged = new Hashtable(environment);
        foreach (var (setting, value) in RoleDefaults)
        {
            var name = "SLUICE__" + setting.Replace(":", "__", StringComparison.Ordinal);
            var alias = SluiceConfiguration.Aliases.FirstOrDefault(a => a.Value == setting).Key;
            if (!merged.ContainsKey(name) && (alias is null || !merged.ContainsKey(alias)))
            {
                merged[name] = value;
            }
        }

        return merged;
    }

    /// <summary><c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, or a bare number of seconds; 0 sends every batch at once.</summary>
    internal static TimeSpan ParseDuration(string name, string text)
    {
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1_000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000.0),
            _ => (text, 1_000.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value * unit > 3_600_000)
        {
            throw new UsageException($"--{name} must be a duration such as 500ms, 30s or 2m (at most 1h), not '{text}'");
        }

        return TimeSpan.FromMilliseconds(value * unit);
    }
}
