namespace Sluice.Ingest.Protocols;

/// <summary>
/// Cuts a TCP syslog stream into messages (RFC 6587): octet counting (<c>LEN SP MSG</c>) when a frame starts with a
/// digit, else LF-terminated. A trailing LF inside a counted frame is tolerated (some senders add one), and a
/// message longer than the cap is cut there rather than growing the buffer.
/// </summary>
public sealed class SyslogFramer(int maxMessageBytes)
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _length;

    /// <summary>Adds received bytes and returns the complete messages they finish.</summary>
    public List<byte[]> Push(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + data.Length));
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        var messages = new List<byte[]>();
        var start = 0;
        while (start < _length)
        {
            var rest = _buffer.AsSpan(start, _length - start);
            if (rest[0] is (byte)'\n' or (byte)'\r' or 0)
            {
                start++;
                continue;
            }

            if (rest[0] is >= (byte)'1' and <= (byte)'9' && TryCounted(rest, out var frameLength, out var headerLength))
            {
                if (frameLength < 0)
                {
                    break; // the whole frame has not arrived yet
                }

                var frame = rest.Slice(headerLength, frameLength);
                messages.Add(Cap(frame.TrimEnd("\r\n"u8)));
                start += headerLength + frameLength;
                continue;
            }

            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (rest.Length > maxMessageBytes)
                {
                    messages.Add(Cap(rest));
                    start = _length;
                }

                break;
            }

            messages.Add(Cap(rest[..newline].TrimEnd((byte)'\r')));
            start += newline + 1;
        }

        _buffer.AsSpan(start, _length - start).CopyTo(_buffer);
        _length -= start;
        return messages;
    }

    /// <summary>What is left when the sender closes: a last message without its LF.</summary>
    public byte[]? Finish()
    {
        var rest = _buffer.AsSpan(0, _length).Trim("\r\n\0"u8);
        _length = 0;
        return rest.IsEmpty ? null : Cap(rest);
    }

    /// <summary>
    /// An octet count: digits then a space. <paramref name="frameLength"/> is -1 while the frame is incomplete.
    /// False when the digits are not followed by a space (then the line is an LF-framed message).
    /// </summary>
    private bool TryCounted(ReadOnlySpan<byte> rest, out int frameLength, out int headerLength)
    {
        frameLength = -1;
        headerLength = 0;
        var i = 0;
        long length = 0;
        while (i < rest.Length && i < 9 && rest[i] is >= (byte)'0' and <= (byte)'9')
        {
            length = (length * 10) + (rest[i] - '0');
            i++;
        }

        if (i == rest.Length)
        {
            return true; // digits so far: wait for more
        }

        if (rest[i] != (byte)' ' || length == 0 || length > Math.Max(maxMessageBytes, 1) * 4L)
        {
            return false;
        }

        headerLength = i + 1;
        if (rest.Length - headerLength >= length)
        {
            frameLength = (int)length;
        }

        return true;
    }

    private byte[] Cap(ReadOnlySpan<byte> message) => (message.Length > maxMessageBytes ? message[..maxMessageBytes] : message).ToArray();
}
