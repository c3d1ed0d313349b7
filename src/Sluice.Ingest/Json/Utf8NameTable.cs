using System.Text;

namespace Sluice.Ingest.Json;

/// <summary>
/// A fixed set of ASCII names looked up by their UTF-8 bytes, without decoding them: open addressing over a
/// power-of-two table, keyed by a hash of the length and three of the bytes, confirmed by comparing the bytes.
/// Ingest looks up every property name of every event; decoding each to chars for a <c>FrozenDictionary</c> took
/// ~4 % of the server's CPU under sustained load (perf, issue 14).
/// </summary>
internal sealed class Utf8NameTable<T>
{
    private readonly byte[]?[] _names;
    private readonly T[] _values;
    private readonly int _mask;

    public Utf8NameTable(IEnumerable<KeyValuePair<string, T>> entries)
    {
        var list = entries.ToList();
        // At most a quarter full, so a name that is not there usually costs one probe.
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, list.Count * 4));
        _names = new byte[size][];
        _values = new T[size];
        _mask = size - 1;
        foreach (var (name, value) in list)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var slot = Slot(bytes);
            while (_names[slot] is { } taken)
            {
                if (taken.AsSpan().SequenceEqual(bytes))
                {
                    throw new ArgumentException($"'{name}' is in the table twice", nameof(entries));
                }

                slot = (slot + 1) & _mask;
            }

            _names[slot] = bytes;
            _values[slot] = value;
        }
    }

    public bool TryGetValue(ReadOnlySpan<byte> name, out T value)
    {
        if (!name.IsEmpty)
        {
            for (var slot = Slot(name); _names[slot] is { } candidate; slot = (slot + 1) & _mask)
            {
                if (name.SequenceEqual(candidate))
                {
                    value = _values[slot];
                    return true;
                }
            }
        }

        value = default!;
        return false;
    }

    private int Slot(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return 0;
        }

        var h = (uint)name.Length;
        h = (h * 31) + name[0];
        h = (h * 31) + name[^1];
        h = (h * 31) + name[name.Length / 2];
        return (int)((h * 0x9E3779B1u) >> 16) & _mask;
    }
}
