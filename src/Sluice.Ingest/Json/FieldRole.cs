using Sluice.Core.Events;

namespace Sluice.Ingest.Json;

/// <summary>What a top-level JSON property of a native event means.</summary>
public enum FieldRole : byte
{
    /// <summary>Not a canonical name: stored in attributes (objects flattened with the name as prefix).</summary>
    Unknown,

    /// <summary>A canonical field stored under its <see cref="FieldTag"/>.</summary>
    Canonical,
    Timestamp,
    /// <summary><c>level</c> and its aliases: strings, or pino/bunyan numbers (10 … 60).</summary>
    Level,

    /// <summary><c>severity</c> and its aliases: strings, or OpenTelemetry severity numbers (1 … 24).</summary>
    Severity,
    Kind,

    /// <summary>A raw client address: hashed into ip_hash, never stored.</summary>
    ClientIp,

    /// <summary>The <c>attributes</c> object: flattened without a prefix.</summary>
    Attributes,

    /// <summary>An ad click id (gclid, fbclid…): kept as an attribute and sets ad_click.</summary>
    ClickId,
}

/// <summary>The meaning of one property name, with the tag when it is <see cref="FieldRole.Canonical"/>.</summary>
public readonly record struct FieldName(FieldRole Role, FieldTag Tag = 0);
