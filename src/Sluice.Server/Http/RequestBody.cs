using System.Buffers;
using System.IO.Compression;
using System.Numerics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sluice.Core.Errors;
using Sluice.Core.Memory;

namespace Sluice.Server.Http;

/// <summary>
/// A request body read whole into one pooled buffer (decompressed if it came with Content-Encoding), never
/// larger than the configured limit. With a <see cref="MemoryLease"/>, every buffer is taken from the lease before
/// it is rented (waiting up to the given time for room, then 503 <c>memory_full</c>). Every way a body can fail to
/// read — bad framing, a bad compressed stream, too large — is an answer with a status, never an exception.
/// Dispose returns the buffer.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Reads the body; on a bad body returns null with the error and status to answer.</summary>
    /// <param name="lease">Where the buffers are taken from; null: not counted in any budget (small bodies of query endpoints).</param>
    /// <param name="wait">How long a growth of <paramref name="lease"/> may wait for room.</param>
    public static async Task<(RequestBody? Body, FieldError Error, int Status)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancel, MemoryLease? lease = null, TimeSpan wait = default)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge);
        }

        // Also bound the bytes on the wire, so a compressed body that inflates to little cannot stream forever.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } wireLimit)
        {
            wireLimit.MaxRequestBodySize = maxBytes;
        }

        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream? decoder = encoding switch
        {
            "" or "identity" => null,
            "gzip" or "x-gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "br" => new BrotliStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => new ZstdSharp.DecompressionStream(request.Body, leaveOpen: true),
            _ => Stream.Null,
        };
        if (decoder == Stream.Null)
        {
            return (null, new FieldError(ErrorCodes.UnsupportedEncoding, "Content-Encoding",
                $"Content-Encoding '{encoding}' is not supported; use gzip, zstd, deflate, br or none"), StatusCodes.Status415UnsupportedMediaType);
        }

        var source = decoder ?? request.Body;
        var first = decoder is null && request.ContentLength is { } known ? (int)Math.Max(known, 1) : 64 * 1024;
        if (!await Hold(lease, 0, first, wait, cancel))
        {
            return (null, Sluice.Ingest.MemoryRefusals.Requests, StatusCodes.Status503ServiceUnavailable);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(first);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge);
                    }

                    var size = Math.Min(buffer.Length * 2, maxBytes + 1);
                    if (!await Hold(lease, buffer.Length, size, wait, cancel))
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, Sluice.Ingest.MemoryRefusals.Requests, StatusCodes.Status503ServiceUnavailable);
                    }

                    var grown = ArrayPool<byte>.Shared.Rent(size);
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length), cancel);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or EndOfStreamException
            || (e is InvalidOperationException && decoder is not null)) // BrotliStream: "Decoder ran into invalid data"
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, new FieldError(ErrorCodes.UnsupportedEncoding, "Content-Encoding", $"the body is not valid {encoding} data"), StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException e) when (!cancel.IsCancellationRequested)
        {
            // Kestrel's own verdicts on the body: bad chunked framing, too slow, or past the wire limit set above.
            ArrayPool<byte>.Shared.Return(buffer);
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge)
                : (null, BadFraming, e.StatusCode);
        }
        catch (IOException) when (!cancel.IsCancellationRequested)
        {
            // Kestrel reports some framing faults as a plain IOException (a chunk size that overflows: "Bad chunk size data").
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, BadFraming, StatusCodes.Status400BadRequest);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            if (decoder is not null)
            {
                await decoder.DisposeAsync();
            }
        }

        return (new RequestBody(buffer, length), default, 0);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly FieldError BadFraming = new(ErrorCodes.MalformedBody, null, "the request body could not be read: its HTTP framing (chunked encoding or length) is invalid");

    /// <summary>Grows the lease from a buffer of <paramref name="from"/> bytes to one of <paramref name="to"/>, as the pool will rent it.</summary>
    private static ValueTask<bool> Hold(MemoryLease? lease, int from, int to, TimeSpan wait, CancellationToken cancel) =>
        lease is null ? ValueTask.FromResult(true) : lease.DrawAsync((long)BitOperations.RoundUpToPowerOf2((uint)to) - from, wait, cancel);

    private static FieldError TooLarge(int maxBytes) =>
        new(ErrorCodes.BodyTooLarge, null, $"the request body is larger than {maxBytes} bytes (Limits:MaxBodyBytes)");
}
