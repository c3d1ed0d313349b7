using System.Collections;
using Microsoft.Extensions.Configuration;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>
/// Builds <see cref="SluiceOptions"/> from, in rising precedence: defaults, the options file (sluice.json or
/// --config), its environment overlay (sluice.{SLUICE_ENVIRONMENT}.json, or {SLUICE_ENVIRONMENT}.json, beside it),
/// environment variables (SLUICE__Section__Key, SLUICE_LISTEN, SLUICE_DATA_DIR and the seed's TRAFFIC_LOGS_* names),
/// the command line, and the runtime settings kept in the data directory (<see cref="RuntimeSettingsStore"/>).
/// </summary>
public static class SluiceConfiguration
{
    /// <summary>Environment names honoured besides SLUICE__Section__Key, and the setting each one sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["SLUICE_LISTEN"] = "Listen",
        ["SLUICE_DATA_DIR"] = "DataDir",
        ["SLUICE_DURABILITY"] = "Durability",
        ["SLUICE_API_KEYS"] = "Auth:ApiKeys",
        ["SLUICE_QUOTA_PROFILE"] = "Quotas:Profile",
        ["SLUICE_SYSLOG_TCP"] = "Syslog:TcpPort",
        ["SLUICE_OTLP_GRPC_PORT"] = "Protocols:OtlpGrpcPort",
        ["SLUICE_SYSLOG_UDP"] = "Syslog:UdpPort",
        ["SLUICE_REDIS"] = "Redis:Url",
        ["SLUICE_CLICKHOUSE"] = "ClickHouse:Url",
        ["TRAFFIC_LOGS_RETENTION_HOURS"] = "Retention:TrafficHours",
        ["TRAFFIC_LOGS_BATCH_SIZE"] = "Memory:BatchSize",
        ["TRAFFIC_LOGS_MAX_MEMORY_MB"] = "Memory:MaxUnflushedMb",
    };

    /// <summary>Loads and binds every layer; throws <see cref="OptionsException"/> with one readable line on any problem.</summary>
    public static SluiceOptions Load(string? configFile, IDictionary<string, string?> commandLine, IDictionary? environment = null) =>
        LoadLayers(configFile, commandLine, environment).Bind();

    /// <summary>Every layer, the runtime one read from the data directory the layers below it name.</summary>
    public static ConfigurationLayers LoadLayers(string? configFile, IDictionary<string, string?> commandLine, IDictionary? environment = null)
    {
        var below = StartLayers(configFile, commandLine, environment ?? System.Environment.GetEnvironmentVariables());
        var dataDir = below.Bind().DataDir;
        var runtime = RuntimeSettingsStore.ReadSettings(RuntimeSettingsStore.DirectoryIn(dataDir), out var problem);
        if (problem is not null)
        {
            // Not fatal: the server starts on the layers below and its config health says why.
            return below;
        }

        var all = below.WithRuntime(runtime);
        try
        {
            all.Bind();
        }
        catch (OptionsException e)
        {
            throw new OptionsException($"{e.Message} (with the runtime settings kept in {RuntimeSettingsStore.RelativeDirectory}; change them back or remove them there)");
        }

        return all;
    }

    /// <summary>The layers fixed at start: defaults, files, environment, command line.</summary>
    private static ConfigurationLayers StartLayers(string? configFile, IDictionary<string, string?> commandLine, IDictionary environment)
    {
        var layers = new List<SettingsLayer>
        {
            new(ConfigurationLayers.Default, FlatSettings.Flatten(new SluiceOptions()).ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase)),
        };
        var file = configFile ?? (File.Exists("sluice.json") ? "sluice.json" : null);
        var directory = Directory.GetCurrentDirectory();
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                throw new OptionsException($"the options file '{file}' does not exist");
            }

            var full = Path.GetFullPath(file);
            directory = Path.GetDirectoryName(full)!;
            layers.Add(new(ConfigurationLayers.File, ReadJson(full)));
        }

        if (environment["SLUICE_ENVIRONMENT"] is string env && env.Length > 0)
        {
            if (env.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                throw new OptionsException($"SLUICE_ENVIRONMENT must be letters, digits, '-' or '_', not '{env}'");
            }

            // Both spellings are read; where both exist, sluice.{env}.json is read last and wins.
            var overlay = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in new[] { $"{env}.json", $"sluice.{env}.json" })
            {
                var path = Path.Combine(directory, name);
                if (File.Exists(path))
                {
                    foreach (var (key, value) in ReadJson(path))
                    {
                        overlay[key] = value;
                    }
                }
            }

            layers.Add(new(ConfigurationLayers.EnvironmentFile, overlay));
        }

        var fromEnvironment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            var name = (string)entry.Key;
            if (name.StartsWith("SLUICE__", StringComparison.Ordinal))
            {
                fromEnvironment[name["SLUICE__".Length..].Replace("__", ":", StringComparison.Ordinal)] = entry.Value as string;
            }
            else if (Aliases.TryGetValue(name, out var key))
            {
                fromEnvironment[key] = entry.Value as string;
            }
        }

        layers.Add(new(ConfigurationLayers.Environment, fromEnvironment));
        layers.Add(new(ConfigurationLayers.CommandLine, new Dictionary<string, string?>(commandLine, StringComparer.OrdinalIgnoreCase)));
        return new ConfigurationLayers(layers);
    }

    private static Dictionary<string, string?> ReadJson(string path)
    {
        try
        {
            return ConfigurationLayers.Flat(new ConfigurationBuilder().AddJsonFile(path, optional: false).Build());
        }
        catch (InvalidDataException e)
        {
            throw new OptionsException(e.Message);
        }
        catch (FormatException e)
        {
            throw new OptionsException(e.Message);
        }
    }
}

/// <summary>Invalid configuration: the message is the one line printed before exiting.</summary>
public sealed class OptionsException(string message) : Exception(message);
