using System.IO.Compression;
using Sluice.Cli.Client;

namespace Sluice.Cli.Ingest;

/// <summary>
/// The bytes to ingest: a file or stdin, decompressed when its first bytes are gzip's or zstd's magic (whatever the
/// file is called). <see cref="RawBytesRead"/> counts what was read from the file itself, for progress.
/// </summary>
internal sealed class InputSource : IDisposable
{
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];
    private static readonly byte[] ZstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

    private readonly CountingStream _raw;

    private InputSource(CountingStream raw, Stream decoded, string compression, long? length)
    {
        _raw = raw;
        Decoded = decoded;
        Compression = compression;
        Length = length;
    }

    /// <summary>The text, decompressed.</summary>
    public Stream Decoded { get; }

    /// <summary><c>none</c>, <c>gzip</c> or <c>zstd</c>.</summary>
    public string Compression { get; }

    /// <summary>The file's size; null for stdin.</summary>
    public long? Length { get; }

    public long RawBytesRead => _raw.Position;

    /// <summary>Opens the file (<c>-</c> is stdin) and, for plain text, seeks to <paramref name="resumeOffset"/>.</summary>
    public static InputSource Open(string path, long resumeOffset)
    {
        Stream stream;
        try
        {
            stream = path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(ExitCodes.Usage, $"cannot read {path}: {e.Message}");
        }

        long? length = stream.CanSeek ? stream.Length : null;
        var head = new byte[4];
        var got = 0;
        while (got < head.Length && stream.Read(head, got, head.Length - got) is var n and > 0)
        {
            got += n;
        }

        var counting = new CountingStream(new PrefixedStream(head.AsMemory(0, got), stream));
        var compression = head.AsSpan(0, got).StartsWith(GzipMagic) ? "gzip" : head.AsSpan(0, got).StartsWith(ZstdMagic) ? "zstd" : "none";
        if (compression == "none" && resumeOffset > 0 && stream.CanSeek)
        {
            stream.Seek(resumeOffset, SeekOrigin.Begin);
            counting = new CountingStream(stream, resumeOffset);
        }

        Stream decoded = compression switch
        {
            "gzip" => new GZipStream(counting, CompressionMode.Decompress),
            "zstd" => new ZstdSharp.DecompressionStream(counting),
            _ => counting,
        };
        return new InputSource(counting, decoded, compression, length);
    }

    public void Dispose() => Decoded.Dispose();

    /// <summary>The bytes already read to sniff the format, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return rest.Read(buffer);
            }

            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Counts the bytes read through it; <see cref="Position"/> is that count (plus where reading began).</summary>
    private sealed class CountingStream(Stream inner, long start = 0) : Stream
    {
        private long _read = start;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Interlocked.Add(ref _read, n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Interlocked.Read(ref _read); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
