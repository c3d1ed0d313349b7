using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Storage.Sinks;

namespace Sluice.Server.Mirror;

/// <summary>
/// Dual write for migrations: the <c>mirror</c> sink forwards the chosen share of acknowledged events to another
/// system in its protocol, through its own WAL cursor (so ingest never waits for it) and its own breaker. A batch
/// counts as delivered only once the other end answers 2xx; anything else is thrown, and the runner hands the same
/// events again — the same share of them, as the choice depends on the id alone.
/// </summary>
internal sealed class MirrorEventSink : IEventSink
{
    private readonly IMirrorFormat _format;
    private readonly double _share;
    private readonly string _apiKey;
    private readonly Uri _target;
    private readonly string _shownTarget;
    private readonly DependencyBreaker _breaker;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private ArrayBufferWriter<byte> _body = new(64 * 1024);
    private readonly List<ReadOnlyMemory<byte>> _selected = [];

    public MirrorEventSink(MirrorOptions options, DependencyBreaker breaker, HttpClient http, ILogger logger)
    {
        _format = MirrorFormats.For(options.Protocol);
        MaxBatchEvents = options.BatchEvents;
        LingerMs = options.LingerMs;
        _share = options.Share;
        _apiKey = options.ApiKey;
        _target = new Uri(options.Url.TrimEnd('/') + _format.Path);
        // Scheme, host and port only: enough to tell where, never a credential someone put in the URL.
        _shownTarget = _target.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        _breaker = breaker;
        _http = http;
        _logger = logger;
    }

    public string Name => "mirror";

    public int MaxBatchEvents { get; }

    public int LingerMs { get; }

    /// <summary>A crash resends at most the batch in flight, which the receiver's duplicate window recognises.</summary>
    public bool SavesCursorEachBatch => true;

    public async ValueTask DeliverAsync(SinkBatch batch, CancellationToken cancel)
    {
        Select(batch);
        if (_selected.Count == 0)
        {
            return;
        }

        _body.ResetWrittenCount();
        _format.Encode(_selected, _body);
        int rejected;
        try
        {
            rejected = await _breaker.ExecuteAsync(SendAsync, cancel);
        }
        finally
        {
            if (_body.Capacity > 16 * 1024 * 1024)
            {
                _body = new ArrayBufferWriter<byte>(64 * 1024); // a huge batch's buffer is not kept
            }
        }

        if (rejected > 0)
        {
            // Acknowledged, so not sent again: a receiver that refuses single events (a stricter limit, a quota)
            // would refuse them on every resend too. Said here so the difference is not silent.
            _logger.LogWarning("The mirror at {Target} refused {Rejected} of {Sent} events", _shownTarget, rejected, _selected.Count);
        }

        _selected.Clear();
    }

    private void Select(SinkBatch batch)
    {
        _selected.Clear();
        var rows = batch.Rows;
        var offset = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var length = RowLayout.ReadLength(rows.Span[offset..]);
            var row = rows.Slice(offset, length);
            offset += length;
            // Every stored event has an id; were one without, it would hash as the empty id rather than vanish.
            RowReader.TryGetString(row.Span, FieldTag.Id, out var id);
            if (MirrorSelection.IsSelected(id, _share))
            {
                _selected.Add(row);
            }
        }
    }

    /// <summary>One attempt; the number of events a 2xx answer says it refused.</summary>
    private async ValueTask<int> SendAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _target) { Content = new ReadOnlyMemoryContent(_body.WrittenMemory) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(_format.ContentType);
        if (_apiKey.Length > 0)
        {
            _format.Authorize(request.Headers, _apiKey);
        }

        try
        {
            using var response = await _http.SendAsync(request, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            if (!response.IsSuccessStatusCode)
            {
                throw new MirrorException($"the mirror at {_shownTarget} answered {(int)response.StatusCode}: {Shorten(text)}");
            }

            return Refused(text);
        }
        catch (HttpRequestException e)
        {
            throw new MirrorException($"the mirror at {_shownTarget} is unreachable: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new MirrorException($"the mirror at {_shownTarget} did not answer within {_http.Timeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>Events a 2xx answer refused: Sluice's <c>rejected</c> list, or Elasticsearch's items other than a conflict (a resend).</summary>
    private static int Refused(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return 0;
            }

            if (root.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Array)
            {
                return rejected.GetArrayLength();
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.True && root.TryGetProperty("items", out var items))
            {
                return items.EnumerateArray().Count(item => item.EnumerateObject().Any(a =>
                    a.Value.TryGetProperty("status", out var status) && status.GetInt32() is not (>= 200 and < 300 or 409)));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Loki answers 204 with no body; any answer that is not JSON refused nothing we can count.
        }

        return 0;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>The other end of the mirror failed or refused a batch; the message never holds the key.</summary>
internal sealed class MirrorException(string message, Exception? inner = null) : Exception(message, inner);
