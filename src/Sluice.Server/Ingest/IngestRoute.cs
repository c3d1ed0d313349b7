using Sluice.Core.Events;
using Sluice.Ingest.Json;

namespace Sluice.Server.Ingest;

/// <summary>How one native ingest endpoint frames its body and answers.</summary>
public sealed record IngestRoute(string Path, BodyShape Shape, EventKind DefaultKind, IngestReply Reply, bool AssignTraceId = false, Protocols.IHttpProtocol? Protocol = null);

public enum IngestReply
{
    /// <summary><c>{"success":true,"trace_id":…,"remaining_quota":…}</c>, the browser/worker shape of <c>POST /log</c>.</summary>
    BrowserLog,

    /// <summary><c>{"accepted":N,"rejected":[…]}</c>.</summary>
    Batch,
}
