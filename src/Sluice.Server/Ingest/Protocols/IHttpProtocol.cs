using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Ingest.Protocols;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// A standard log protocol over HTTP: which bodies it takes, how a body becomes native events, and how it answers
/// in the shape its clients expect. Everything between — parsing, guards, admission, the durable log — is shared.
/// </summary>
public interface IHttpProtocol
{
    /// <summary>The name used in metrics and messages (<c>otlp</c>, <c>clef</c> …).</summary>
    string Name { get; }

    /// <summary>Query parameters its real clients send, accepted (<see cref="Http.QueryParameterCheck"/>); others are refused.</summary>
    IReadOnlyList<string> QueryParameters => [];

    /// <summary>An error when the request's content type is not one the protocol reads.</summary>
    FieldError? CheckContentType(HttpRequest request);

    /// <summary>Translates the (already decompressed) body into native events, drawing its buffers from <paramref name="lease"/>.</summary>
    Translation Translate(ReadOnlySpan<byte> body, HttpRequest request, MemoryLease lease);

    /// <summary>Writes the answer: success (with any per-record refusals) or the failure, in the protocol's own shape.</summary>
    Task WriteAsync(HttpContext context, IngestOutcome outcome, Translation? translation);
}
