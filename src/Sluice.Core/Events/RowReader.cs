using Sluice.Core.Buffers;

namespace Sluice.Core.Events;

/// <summary>
/// Walks the tagged fields of one encoded row without allocating. After <see cref="MoveNext"/> returns false,
/// <see cref="IsValid"/> tells whether the row ended cleanly or was malformed.
/// </summary>
public ref struct RowReader
{
    private readonly ReadOnlySpan<byte> _row;
    private int _position;

    public RowReader(ReadOnlySpan<byte> row)
    {
        _row = row;
        _position = RowLayout.HeaderSize;
        IsValid = row.Length >= RowLayout.HeaderSize;
        Tag = 0;
        Value = default;
        Key = default;
        Integer = 0;
    }

    public FieldTag Tag { get; private set; }

    /// <summary>The string value (UTF-8) of a string field, or the value of an attribute.</summary>
    public ReadOnlySpan<byte> Value { get; private set; }

    /// <summary>The key of an attribute.</summary>
    public ReadOnlySpan<byte> Key { get; private set; }

    /// <summary>The value of an integer or boolean field.</summary>
    public long Integer { get; private set; }

    public bool IsValid { get; private set; }

    public long Timestamp => RowLayout.ReadTimestamp(_row);

    public EventKind Kind => RowLayout.ReadKind(_row);

    public EventLevel Level => RowLayout.ReadLevel(_row);

    public bool MoveNext()
    {
        if (!IsValid || _position >= _row.Length)
        {
            return false;
        }

        var tag = (FieldTag)_row[_position++];
        Tag = tag;
        Key = default;
        Value = default;
        Integer = 0;

        if (tag == FieldTag.Attribute)
        {
            if (!TryReadBytes(out var key) || !TryReadBytes(out var value))
            {
                return Fail();
            }

            Key = key;
            Value = value;
            return true;
        }

        if (!FieldCatalog.TryGet(tag, out var info))
        {
            return Fail();
        }

        switch (info.Type)
        {
            case FieldType.String:
                if (!TryReadBytes(out var text))
                {
                    return Fail();
                }

                Value = text;
                return true;
            case FieldType.Integer:
                var read = Varint.TryReadSigned(_row[_position..], out var number);
                if (read == 0)
                {
                    return Fail();
                }

                _position += read;
                Integer = number;
                return true;
            case FieldType.Boolean:
                if (_position >= _row.Length || _row[_position] > 1)
                {
                    return Fail();
                }

                Integer = _row[_position++];
                return true;
            default:
                return Fail();
        }
    }

    /// <summary>Finds the first string field with this tag.</summary>
    public static bool TryGetString(ReadOnlySpan<byte> row, FieldTag tag, out ReadOnlySpan<byte> value)
    {
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == tag)
            {
                value = reader.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>How many received events the row stands for: its <see cref="FieldTag.SampleWeight"/>, else 1.</summary>
    public static long WeightOf(ReadOnlySpan<byte> row)
    {
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.SampleWeight)
            {
                return Math.Max(1, reader.Integer);
            }
        }

        return 1;
    }

    private bool TryReadBytes(out ReadOnlySpan<byte> bytes)
    {
        var read = Varint.TryRead(_row[_position..], out var length);
        if (read == 0 || length > (ulong)(_row.Length - _position - read))
        {
            bytes = default;
            return false;
        }

        _position += read;
        bytes = _row.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }

    private bool Fail()
    {
        IsValid = false;
        return false;
    }
}
