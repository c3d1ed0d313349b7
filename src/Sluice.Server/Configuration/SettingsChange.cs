namespace Sluice.Server.Configuration;

/// <summary>One setting's change in an audit record: effective value before and after, secrets already masked.</summary>
public sealed record SettingDiff(string Key, string? From, string? To);

/// <summary>
/// The audit record of one version of the runtime settings: who (an API key's public id, or <c>local</c>), when,
/// why, and what changed. Holds no secret: values are masked before a record is made.
/// </summary>
public sealed record SettingsVersion(long Version, long AtMs, string Who, string? Reason, long? RollbackOf, IReadOnlyList<SettingDiff> Changes);
