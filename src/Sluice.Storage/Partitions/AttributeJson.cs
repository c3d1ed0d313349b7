using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Builds the <c>attributes</c> column of one row: a JSON object of string values in row order. Every writer of that
/// column (sealing, and the copy of unsealed rows a query reads) goes through here, so the engine reads one format.
/// Reuse one instance per writer: <see cref="Add"/> the pairs of a row, then <see cref="Finish"/>.
/// </summary>
public sealed class AttributeJson
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private Utf8JsonWriter? _writer;
    private bool _open;

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!_open)
        {
            _buffer.ResetWrittenCount();
            if (_writer is null)
            {
                _writer = new Utf8JsonWriter(_buffer);
            }
            else
            {
                _writer.Reset(_buffer);
            }

            _writer.WriteStartObject();
            _open = true;
        }

        _writer!.WriteString(key, value);
    }

    /// <summary>The row's object as UTF-8 (valid until the next row), or false when it had no attributes.</summary>
    public bool TryFinish(out ReadOnlySpan<byte> json)
    {
        json = default;
        if (!_open)
        {
            return false;
        }

        _writer!.WriteEndObject();
        _writer.Flush();
        _open = false;
        json = _buffer.WrittenSpan;
        return true;
    }

    /// <summary>The row's object, or null when it had no attributes; the builder is then ready for the next row.</summary>
    public string? Finish() => TryFinish(out var json) ? Encoding.UTF8.GetString(json) : null;
}
