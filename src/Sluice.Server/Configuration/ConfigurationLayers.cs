using Microsoft.Extensions.Configuration;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>One source of settings, as <c>Section:Key</c> → text; <see cref="Name"/> is what answers call its origin.</summary>
public sealed record SettingsLayer(string Name, IReadOnlyDictionary<string, string?> Values);

/// <summary>
/// The layers of settings in rising precedence — default, file, environment-file, environment, command-line,
/// runtime — and their binding into one validated <see cref="SluiceOptions"/>. Each setting's origin is the highest
/// layer that names it.
/// </summary>
public sealed class ConfigurationLayers
{
    public const string Default = "default";
    public const string File = "file";
    public const string EnvironmentFile = "environment-file";
    public const string Environment = "environment";
    public const string CommandLine = "command-line";
    public const string Runtime = "runtime";

    /// <summary>Options handed over already built (tests, embedding): everything that differs from the default.</summary>
    public const string Configured = "configured";

    public ConfigurationLayers(IReadOnlyList<SettingsLayer> layers) => Layers = layers;

    public IReadOnlyList<SettingsLayer> Layers { get; }

    /// <summary>These layers with <paramref name="runtime"/> on top, in place of any runtime layer they had.</summary>
    public ConfigurationLayers WithRuntime(IReadOnlyDictionary<string, string?> runtime) =>
        new([.. Layers.Where(l => l.Name != Runtime), new SettingsLayer(Runtime, runtime)]);

    /// <summary>The highest layer that sets <paramref name="key"/>.</summary>
    public string OriginOf(string key)
    {
        for (var i = Layers.Count - 1; i >= 0; i--)
        {
            if (Layers[i].Values.ContainsKey(key))
            {
                return Layers[i].Name;
            }
        }

        return Default;
    }

    /// <summary>Binds and validates every layer; throws <see cref="OptionsException"/> with one readable line on any problem.</summary>
    public SluiceOptions Bind()
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var layer in Layers.Where(l => l.Name != Default))
        {
            foreach (var (key, value) in layer.Values)
            {
                merged[key] = value;
            }
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(merged).Build();
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

    /// <summary>Layers for options built by hand: the defaults, then every setting whose value differs from them.</summary>
    public static ConfigurationLayers FromOptions(SluiceOptions options)
    {
        var defaults = Flat(new SluiceOptions());
        var configured = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in FlatSettings.Flatten(options))
        {
            if (value is not null && (!defaults.TryGetValue(key, out var d) || d != value))
            {
                configured[key] = value;
            }
        }

        return new([new SettingsLayer(Default, defaults), new SettingsLayer(Configured, configured)]);
    }

    /// <summary>The settings of one configuration source, its null (section) entries left out.</summary>
    public static Dictionary<string, string?> Flat(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, string?> Flat(SluiceOptions options) =>
        FlatSettings.Flatten(options).ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);
}
