using System.Collections;
using Microsoft.Extensions.Configuration;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>
/// Builds <see cref="SluiceOptions"/> from, in rising precedence: defaults, the options file, its
/// environment overlay (sluice.{SLUICE_ENVIRONMENT}.json beside it), environment variables
/// (SLUICE__Section__Key, SLUICE_LISTEN, SLUICE_DATA_DIR and the seed's TRAFFIC_LOGS_* names), and the command line.
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
        ["SLUICE_SYSLOG_TLS"] = "Syslog:TlsPort",
        ["SLUICE_REDIS"] = "Redis:Url",
        ["SLUICE_CLICKHOUSE"] = "ClickHouse:Url",
        ["TRAFFIC_LOGS_RETENTION_HOURS"] = "Retention:TrafficHours",
        ["TRAFFIC_LOGS_BATCH_SIZE"] = "Memory:BatchSize",
        ["TRAFFIC_LOGS_MAX_MEMORY_MB"] = "Memory:MaxUnflushedMb",
    };

    /// <summary>Loads and binds; throws <see cref="OptionsException"/> with one readable line on any problem.</summary>
    public static SluiceOptions Load(string? configFile, IDictionary<string, string?> commandLine, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var builder = new ConfigurationBuilder();
        var file = configFile ?? (File.Exists("sluice.json") ? "sluice.json" : null);
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                throw new OptionsException($"the options file '{file}' does not exist");
            }

            var full = Path.GetFullPath(file);
            builder.AddJsonFile(full, optional: false);
            if (environment["SLUICE_ENVIRONMENT"] is string env && env.Length > 0)
            {
                builder.AddJsonFile(Path.Combine(Path.GetDirectoryName(full)!, $"sluice.{env}.json"), optional: true);
            }
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

        builder.AddInMemoryCollection(fromEnvironment);
        builder.AddInMemoryCollection(commandLine);

        try
        {
            var configuration = builder.Build();
            var options = configuration.Get<SluiceOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new SluiceOptions();
            var errors = SluiceOptionsValidator.Validate(options).ToList();
            Sluice.Admission.Auth.ApiKeyStore.Parse(options.Auth.ApiKeys, options.Auth.ApiKeyHashes, errors);
            Sluice.Admission.Quotas.QuotaProfiles.Resolve(options.Quotas.Profile, options.Quotas.Rules, errors);
            if (errors.Count > 0)
            {
                throw new OptionsException(string.Join("; ", errors));
            }

            ServerCertificate.Load(options.Tls)?.Dispose(); // a certificate that cannot serve stops start-up here, with the setting named

            return options;
        }
        catch (InvalidOperationException e)
        {
            // The binder names the setting in the outer message ("… at 'Wal:SegmentBytes' to type …").
            throw new OptionsException(e.Message.ReplaceLineEndings(" "));
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
