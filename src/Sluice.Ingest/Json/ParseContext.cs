using Sluice.Core.Events;

namespace Sluice.Ingest.Json;

/// <summary>What the endpoint knows about the events of one request.</summary>
/// <param name="DefaultKind">Kind of events that do not say (traffic endpoints: traffic).</param>
/// <param name="ReceivedAtMs">Admission time: the timestamp of events that carry none.</param>
/// <param name="AssignTraceId">Give events without a trace_id a new one (browser-style <c>/log</c>).</param>
/// <param name="DefaultSystem">The <c>system</c> of events that name none (detected from the request), or null.</param>
public readonly record struct ParseContext(EventKind DefaultKind, long ReceivedAtMs, bool AssignTraceId = false, byte[]? DefaultSystem = null);
