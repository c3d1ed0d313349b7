namespace Sluice.Ingest.Protocols;

/// <summary>
/// Walks the fields of one protobuf message without materialising it, handing out the length-delimited ones
/// (sub-messages, strings, bytes) and skipping the rest. Lets a reader decode a large request one record at a
/// time, checking its limits as it goes, instead of building every record object first.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> message)
{
    private ReadOnlySpan<byte> _rest = message;

    /// <summary>The next length-delimited field: its number and bytes. False at the end; <see cref="InvalidDataException"/> on malformed input.</summary>
    public bool Next(out int field, out ReadOnlySpan<byte> value)
    {
        while (!_rest.IsEmpty)
        {
            var tag = ReadVarint();
            field = (int)(tag >> 3);
            if (field == 0)
            {
                throw new InvalidDataException("field number 0 is not valid protobuf");
            }

            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    Skip(8);
                    break;
                case 2:
                    var length = ReadVarint();
                    if (length > (ulong)_rest.Length)
                    {
                        throw new InvalidDataException($"field {field} claims {length} bytes, {_rest.Length} remain");
                    }

                    value = _rest[..(int)length];
                    _rest = _rest[(int)length..];
                    return true;
                case 5:
                    Skip(4);
                    break;
                default:
                    throw new InvalidDataException($"field {field} has wire type {tag & 7}, which this reader does not take");
            }
        }

        field = 0;
        value = default;
        return false;
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_rest.IsEmpty)
            {
                throw new InvalidDataException("the message ends inside a varint");
            }

            var b = _rest[0];
            _rest = _rest[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a varint is longer than 10 bytes");
    }

    private void Skip(int bytes)
    {
        if (_rest.Length < bytes)
        {
            throw new InvalidDataException("the message ends inside a fixed-width field");
        }

        _rest = _rest[bytes..];
    }
}
