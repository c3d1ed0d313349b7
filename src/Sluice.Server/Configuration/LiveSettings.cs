using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;

namespace Sluice.Server.Configuration;

/// <summary>Why a change of the runtime settings was refused: an HTTP status, a code and a message naming the setting.</summary>
public sealed record SettingsRefusal(int Status, string Code, string Message, string? Field);

/// <summary>The last time a consumer was handed new settings, and how it went (no values: they may be secret).</summary>
public sealed record ReloadResult(string Consumer, long Version, long AtMs, bool Ok, string? Error);

/// <summary>
/// The settings in force while the server runs: the layers fixed at start with the runtime layer on top. A change is
/// validated whole with the start-up validator, saved with its audit record (<see cref="RuntimeSettingsStore"/>),
/// made current, then handed to each consumer it touches (<see cref="ReloadableSettings"/>). Consumers that read a
/// value at each use take <see cref="Current"/>; the others subscribe with <see cref="OnChange"/>.
/// Changes are serialised; <c>expectedVersion</c> lets a caller refuse to overwrite one it has not seen.
/// </summary>
public sealed class LiveSettings
{
    private readonly Lock _gate = new();
    private readonly RuntimeSettingsStore _store;
    private readonly IClock _clock;
    private readonly ILogger _logger;
    private readonly Dictionary<string, List<Action<SluiceOptions>>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReloadResult> _results = new(StringComparer.Ordinal);
    private ConfigurationLayers _layers;
    private volatile SluiceOptions _current;

    public LiveSettings(ConfigurationLayers layers, SluiceOptions current, RuntimeSettingsStore store, IClock clock, ILogger logger)
    {
        _layers = layers;
        _current = current;
        _store = store;
        _clock = clock;
        _logger = logger;
    }

    public SluiceOptions Current => _current;

    public ConfigurationLayers Layers => _layers;

    public long Version => _store.Version;

    public RuntimeSettingsStore Store => _store;

    public IReadOnlyCollection<ReloadResult> LastReloads
    {
        get
        {
            lock (_gate)
            {
                return [.. _results.Values.OrderBy(r => r.Consumer, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Calls <paramref name="apply"/> with the new settings after each change that touches <paramref name="consumer"/>'s settings.</summary>
    public void OnChange(string consumer, Action<SluiceOptions> apply)
    {
        lock (_gate)
        {
            if (!_consumers.TryGetValue(consumer, out var list))
            {
                _consumers[consumer] = list = [];
            }

            list.Add(apply);
        }
    }

    /// <summary>
    /// Sets (or, with a null value, removes) runtime settings, all or nothing; with <paramref name="rollbackOf"/>,
    /// <paramref name="changes"/> replace the whole runtime layer. Returns the new version, or why not.
    /// </summary>
    public (long Version, SettingsRefusal? Refusal) Change(IReadOnlyDictionary<string, string?> changes, string who, string? reason, long? expectedVersion, long? rollbackOf = null)
    {
        lock (_gate)
        {
            if (_store.LoadProblem is { } problem)
            {
                return (0, new(503, ErrorCodes.SettingsUnavailable, problem, null));
            }

            if (expectedVersion is { } expected && expected != _store.Version)
            {
                return (0, new(409, ErrorCodes.VersionConflict,
                    $"expectedVersion is {expected} but the settings are at version {_store.Version}: read them again and retry", "expectedVersion"));
            }

            var runtime = rollbackOf is null
                ? new Dictionary<string, string?>(_store.Settings, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (given, value) in changes)
            {
                if (!FlatSettings.TryCanonical(given, out var key))
                {
                    return (0, new(400, ErrorCodes.UnknownSetting, $"'{given}' is not a setting (docs/configuration.md lists them)", given));
                }

                if (ReloadableSettings.ConsumerOf(key) is null)
                {
                    return (0, new(409, ErrorCodes.SettingNotReloadable,
                        $"{key} is read only at start; set it in the options file, the environment or the command line and restart", key));
                }

                if (value is null)
                {
                    runtime.Remove(key);
                }
                else
                {
                    runtime[key] = value;
                }
            }

            var layers = _layers.WithRuntime(runtime);
            SluiceOptions next;
            try
            {
                next = layers.Bind();
            }
            catch (OptionsException e)
            {
                var named = changes.Keys.FirstOrDefault(k => e.Message.Contains(FlatSettings.TryCanonical(k, out var c) ? c : k, StringComparison.OrdinalIgnoreCase));
                return (0, new(400, ErrorCodes.InvalidSetting, e.Message, named ?? changes.Keys.FirstOrDefault()));
            }

            var before = FlatSettings.Flatten(_current).ToDictionary(e => e.Key, e => e.Value);
            var diffs = FlatSettings.Flatten(next)
                .Where(e => before[e.Key] != e.Value)
                .Select(e => new SettingDiff(e.Key, SecretSettings.Mask(e.Key, before[e.Key]), SecretSettings.Mask(e.Key, e.Value)))
                .ToList();
            var record = new SettingsVersion(_store.Version + 1, _clock.UnixMilliseconds, who, reason, rollbackOf, diffs);
            _store.Save(runtime, record);
            _layers = layers;
            _current = next;
            _logger.LogInformation("Settings version {Version} by {Who}: {Count} setting(s) changed", record.Version, who, diffs.Count);
            Notify(diffs, next, record.Version);
            return (record.Version, null);
        }
    }

    private void Notify(List<SettingDiff> diffs, SluiceOptions next, long version)
    {
        foreach (var consumer in diffs.Select(d => ReloadableSettings.ConsumerOf(d.Key)).OfType<string>().Distinct())
        {
            var result = new ReloadResult(consumer, version, _clock.UnixMilliseconds, true, null);
            foreach (var apply in _consumers.GetValueOrDefault(consumer) ?? [])
            {
                try
                {
                    apply(next);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
                {
                    // The type only: a message could quote a value, and values may be secret.
                    result = result with { Ok = false, Error = e.GetType().Name };
                    _logger.LogError("Applying settings version {Version} to {Consumer} failed: {Error}", version, consumer, e.GetType().Name);
                }
            }

            _results[consumer] = result;
        }
    }
}
