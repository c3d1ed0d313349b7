namespace Sluice.Ingest.Json;

/// <summary>How the events of a request body are framed.</summary>
public enum BodyShape
{
    /// <summary>Exactly one JSON object (<c>POST /log</c>).</summary>
    SingleObject,

    /// <summary>One object, an array of objects, or NDJSON — told apart by the first bytes.</summary>
    Auto,

    /// <summary>An object whose <c>logs</c> property is the array of events (<c>POST /api/logs/batch</c>).</summary>
    LogsEnvelope,
}
