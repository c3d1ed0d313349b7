using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Sluice.Core.Events;
using Sluice.Query.Search;

namespace Sluice.Query.Language;

/// <summary>
/// A filter evaluated on encoded rows in memory — the hot tier's side of every query, and the same meaning
/// <see cref="SqlCompiler"/> gives the filter over parts: an absent field fails every test but <c>NOT</c>.
/// One instance per thread: it decodes each row into reused buffers.
/// </summary>
public sealed class RowPredicate
{
    private readonly Func<RowView, bool> _test;
    private readonly RowView _row = new();

    public RowPredicate(Filter filter, long nowMs)
    {
        _test = Build(filter, nowMs);
    }

    public bool Matches(ReadOnlyMemory<byte> row)
    {
        _row.Load(row);
        return _test(_row);
    }

    private static Func<RowView, bool> Build(Filter filter, long nowMs)
    {
        switch (filter)
        {
            case AndFilter and:
            {
                var (left, right) = (Build(and.Left, nowMs), Build(and.Right, nowMs));
                return r => left(r) && right(r);
            }

            case OrFilter or:
            {
                var (left, right) = (Build(or.Left, nowMs), Build(or.Right, nowMs));
                return r => left(r) || right(r);
            }

            case NotFilter not:
            {
                var inner = Build(not.Inner, nowMs);
                return r => !inner(r);
            }

            case TextFilter text:
            {
                var matcher = new TextMatcher(text.Text);
                var message = Target.Of(QueryField.Resolve("message"));
                return r => r.TryGet(message, out var value) && matcher.IsMatch(value);
            }

            case TimeFilter time:
            {
                var (start, end) = time.Resolve(nowMs);
                return r => r.Timestamp >= start && r.Timestamp < end;
            }

            case FieldFilter field:
                return BuildField(field);

            default:
                throw new ArgumentOutOfRangeException(nameof(filter));
        }
    }

    private static Func<RowView, bool> BuildField(FieldFilter filter)
    {
        var field = filter.Field;
        var target = Target.Of(field);
        if (filter.Op == MatchOp.Exists && field.Source is FieldSource.Kind or FieldSource.Level or FieldSource.Timestamp)
        {
            return _ => true; // every event has these
        }

        switch (field.Source)
        {
            case FieldSource.Kind:
                var kind = filter.Value == "traffic" ? EventKind.Traffic : EventKind.Log;
                return r => r.Kind == kind;
            case FieldSource.Level:
                var levels = SqlCompiler.LevelsMatching(filter.Op, filter.Value).Aggregate(0, (mask, l) => mask | (1 << (int)l));
                return r => (levels & (1 << (int)r.Level)) != 0;
        }

        switch (filter.Op)
        {
            case MatchOp.Exists:
                return r => r.Has(target);
            case MatchOp.Wildcard:
                var pattern = new WildcardPattern(filter.Value);
                return r => r.TryGet(target, out var text) && pattern.IsMatch(text);
            case MatchOp.Equal when field.IsInteger || field.IsBoolean:
                var expected = field.IsBoolean ? (filter.Value == "true" ? 1 : 0) : long.Parse(filter.Value, CultureInfo.InvariantCulture);
                return r => r.TryGetInteger(target, out var n) && n == expected;
            case MatchOp.Equal:
                var bytes = Encoding.UTF8.GetBytes(filter.Value);
                return r => r.TryGet(target, out var text) && text.SequenceEqual(bytes);
        }

        var bound = double.Parse(filter.Value, CultureInfo.InvariantCulture);
        Func<double, bool> compare = filter.Op switch
        {
            MatchOp.Greater => v => v > bound,
            MatchOp.GreaterOrEqual => v => v >= bound,
            MatchOp.Less => v => v < bound,
            _ => v => v <= bound,
        };
        return r => r.TryGetNumber(target, out var value) && compare(value);
    }

    /// <summary>A field as the row view looks it up: a tag, or an attribute key in UTF-8.</summary>
    private sealed record Target(FieldSource Source, int Tag, byte[] Key, bool IsInteger)
    {
        public static Target Of(QueryField field) => new(field.Source, (int)field.Tag, Encoding.UTF8.GetBytes(field.Key), field.IsInteger);
    }

    /// <summary>One decoded row: where each field's value is, found in one pass.</summary>
    private sealed class RowView
    {
        private readonly int[] _start = new int[(int)FieldTag.Attribute];
        private readonly int[] _length = new int[(int)FieldTag.Attribute];
        private readonly long[] _integer = new long[(int)FieldTag.Attribute];
        private readonly List<(int KeyStart, int KeyLength, int Start, int Length)> _attributes = [];
        private ReadOnlyMemory<byte> _row;

        public long Timestamp { get; private set; }

        public EventKind Kind { get; private set; }

        public EventLevel Level { get; private set; }

        public void Load(ReadOnlyMemory<byte> row)
        {
            _row = row;
            Array.Clear(_length);
            Array.Fill(_start, -1);
            _attributes.Clear();
            var span = row.Span;
            var reader = new RowReader(span);
            Timestamp = reader.Timestamp;
            Kind = reader.Kind;
            Level = reader.Level;
            while (reader.MoveNext())
            {
                if (reader.Tag == FieldTag.Attribute)
                {
                    _attributes.Add((Offset(span, reader.Key), reader.Key.Length, Offset(span, reader.Value), reader.Value.Length));
                    continue;
                }

                var tag = (int)reader.Tag;
                if (_start[tag] >= 0)
                {
                    continue;
                }

                _start[tag] = reader.Value.IsEmpty ? 0 : Offset(span, reader.Value);
                _length[tag] = reader.Value.Length;
                _integer[tag] = reader.Integer;
            }
        }

        public bool Has(Target field) => field.Source == FieldSource.Attribute ? FindAttribute(field.Key) >= 0 : _start[field.Tag] >= 0;

        public bool TryGet(Target field, out ReadOnlySpan<byte> value)
        {
            value = default;
            if (field.Source == FieldSource.Attribute)
            {
                var i = FindAttribute(field.Key);
                if (i < 0)
                {
                    return false;
                }

                value = _row.Span.Slice(_attributes[i].Start, _attributes[i].Length);
                return true;
            }

            if (_start[field.Tag] < 0)
            {
                return false;
            }

            value = _row.Span.Slice(_start[field.Tag], _length[field.Tag]);
            return true;
        }

        public bool TryGetInteger(Target field, out long value)
        {
            value = _integer[field.Tag];
            return _start[field.Tag] >= 0;
        }

        /// <summary>Integers as they are; text (attributes) parsed as a number the way SQL's TRY_CAST would.</summary>
        public bool TryGetNumber(Target field, out double value)
        {
            value = 0;
            if (field.Source == FieldSource.Timestamp)
            {
                value = Timestamp;
                return true;
            }

            if (field.IsInteger)
            {
                var ok = TryGetInteger(field, out var integer);
                value = integer;
                return ok;
            }

            if (!TryGet(field, out var text))
            {
                return false;
            }

            // Only finite numbers count, on both readings (the SQL side drops NaN and infinities too).
            var trimmed = text.Trim(" \t\r\n"u8);
            return Utf8Parser.TryParse(trimmed, out value, out var consumed) && consumed == trimmed.Length && double.IsFinite(value);
        }

        private int FindAttribute(byte[] key)
        {
            var span = _row.Span;
            for (var i = 0; i < _attributes.Count; i++)
            {
                if (span.Slice(_attributes[i].KeyStart, _attributes[i].KeyLength).SequenceEqual(key))
                {
                    return i;
                }
            }

            return -1;
        }

        private static int Offset(ReadOnlySpan<byte> row, ReadOnlySpan<byte> part) =>
            (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(part));
    }
}
