using System.Buffers;
using System.Net.Http.Headers;
using Sluice.Core.Options;

namespace Sluice.Server.Mirror;

/// <summary>How the mirror speaks one protocol: where it posts, what the body is, how it presents its key.</summary>
internal interface IMirrorFormat
{
    /// <summary>The path posted to, below <c>Mirror:Url</c>.</summary>
    string Path { get; }

    string ContentType { get; }

    /// <summary>Writes the request body for <paramref name="rows"/> (encoded rows, each one event).</summary>
    void Encode(IReadOnlyList<ReadOnlyMemory<byte>> rows, IBufferWriter<byte> body);

    /// <summary>Adds the key the way the other end expects it.</summary>
    void Authorize(HttpRequestHeaders headers, string apiKey) =>
        headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
}

internal static class MirrorFormats
{
    public static IMirrorFormat For(MirrorProtocol protocol) => protocol switch
    {
        MirrorProtocol.Loki => new LokiMirrorFormat(),
        MirrorProtocol.Elasticsearch => new BulkMirrorFormat(),
        MirrorProtocol.Clef => new ClefMirrorFormat(),
        _ => new SluiceMirrorFormat(),
    };
}
