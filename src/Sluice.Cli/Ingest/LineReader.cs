namespace Sluice.Cli.Ingest;

/// <summary>
/// Lines of UTF-8 bytes from a stream, without their line ending, each with the byte offset just past it. A line
/// longer than <c>maxLineBytes</c> is not held: it comes back as <see cref="LineRead.TooLong"/> and the reader skips
/// to its end, so memory stays bounded whatever the input.
/// </summary>
internal sealed class LineReader(Stream stream, int maxLineBytes, long startOffset)
{
    private readonly byte[] _buffer = new byte[Math.Max(maxLineBytes + 1, 1 << 16)];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes of the decoded input consumed so far (where the next line starts).</summary>
    public long Offset { get; private set; } = startOffset;

    /// <summary>Reads the next line into <paramref name="line"/> (valid until the next call); false at the end.</summary>
    public LineRead Next(out ReadOnlySpan<byte> line)
    {
        var skipping = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = newline;
                line = _buffer.AsSpan(_start, length);
                _start += newline + 1;
                Offset += newline + 1;
                if (skipping)
                {
                    line = default;
                    return LineRead.TooLong;
                }

                return Trim(ref line);
            }

            if (_eof)
            {
                line = _buffer.AsSpan(_start, _end - _start);
                Offset += _end - _start;
                _start = _end;
                if (skipping)
                {
                    line = default;
                    return LineRead.TooLong;
                }

                return line.IsEmpty ? LineRead.End : Trim(ref line);
            }

            if (_end - _start > maxLineBytes)
            {
                // Past the bound: drop what is held and keep reading only to find the line's end.
                Offset += _end - _start;
                _start = _end = 0;
                skipping = true;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var n = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
            }

            _end += n;
        }
    }

    private static LineRead Trim(ref ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return LineRead.Line;
    }
}

internal enum LineRead
{
    End,
    Line,
    TooLong,
}
