using System.Buffers;
using System.Numerics;
using System.Text;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The token index of a part: a Bloom filter of the byte trigrams of its messages, ASCII letters folded to lower case.
/// A search for text is a case-insensitive substring, so whole-word tokens (VictoriaLogs' bloom filters) could not
/// rule a part out; trigrams can: a part whose messages lack one trigram of the searched text holds no match, and is
/// not read. Only ever says "maybe" or "no" — a false "no" would drop matches, so the needle side is conservative
/// (<see cref="NeedleCodes"/>).
/// </summary>
public sealed class TextTrigrams
{
    /// <summary>Bits per distinct trigram: with 4 probes, about 1 % of absent trigrams read as present.</summary>
    private const int BitsPerTrigram = 10;
    private const int Probes = 4;
    private const int MinLog2 = 10;

    /// <summary>The largest filter <see cref="Builder"/> makes: <see cref="MaxDistinct"/> trigrams at 10 bits, rounded up.</summary>
    private const int MaxLog2 = 22;

    /// <summary>Past this many distinct trigrams (random text) the index would cost more than it saves: none is kept.</summary>
    public const int MaxDistinct = 1 << 18;

    private readonly ulong[] _bits;

    private TextTrigrams(ulong[] bits, int log2)
    {
        _bits = bits;
        Log2 = log2;
    }

    /// <summary>log2 of the filter's size in bits.</summary>
    public int Log2 { get; }

    public long Bytes => _bits.Length * 8L;

    /// <summary>Whether a part could hold text containing every trigram of <paramref name="codes"/> (from <see cref="NeedleCodes"/>).</summary>
    public bool MayContain(ReadOnlySpan<int> codes)
    {
        var mask = (1UL << Log2) - 1;
        foreach (var code in codes)
        {
            var (h1, h2) = Hashes(code);
            for (var i = 0; i < Probes; i++)
            {
                var bit = (h1 + ((ulong)i * h2)) & mask;
                if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether the text may hold every one of several terms (each from <see cref="NeedleCodes"/>).</summary>
    public bool MayContainAll(IReadOnlyList<int[]> terms)
    {
        foreach (var codes in terms)
        {
            if (!MayContain(codes))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The trigrams a case-insensitive match of <paramref name="needle"/> must contain, or null when the index cannot
    /// decide: text shorter than 3 characters, or not ASCII (its case forms may differ in length).
    /// </summary>
    public static int[]? NeedleCodes(string needle)
    {
        if (needle.Length < 3 || !Ascii.IsValid(needle))
        {
            return null;
        }

        var codes = new int[needle.Length - 2];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (Fold((byte)needle[i]) << 16) | (Fold((byte)needle[i + 1]) << 8) | Fold((byte)needle[i + 2]);
        }

        return [.. codes.Distinct()];
    }

    /// <summary>
    /// Parts of one hour merged: each filter folded to the smallest size among them (a bit index modulo a power of
    /// two is the same index modulo any smaller one), then OR-ed. Null if any part has no index.
    /// </summary>
    internal static TextTrigrams? Merge(IReadOnlyList<TextTrigrams?> parts)
    {
        if (parts.Count == 0 || parts.Any(p => p is null))
        {
            return null;
        }

        var log2 = parts.Min(p => p!.Log2);
        var bits = new ulong[Words(log2)];
        foreach (var part in parts)
        {
            for (var i = 0; i < part!._bits.Length; i++)
            {
                bits[i & (bits.Length - 1)] |= part._bits[i];
            }
        }

        return new TextTrigrams(bits, log2);
    }

    /// <summary>The filter's bits as bytes, little-endian words (stats files: raw in version 3, base64 in 1 and 2).</summary>
    internal byte[] ToBytes()
    {
        var bytes = new byte[Bytes];
        Buffer.BlockCopy(_bits, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    internal string ToBase64() => Convert.ToBase64String(ToBytes());

    internal static TextTrigrams FromBase64(string text, int log2) => FromBytes(Convert.FromBase64String(text), log2);

    /// <summary>The byte count of a filter of 2^<paramref name="log2"/> bits, or -1 for a size never written (damage).</summary>
    internal static int ByteCountOf(int log2) => log2 is >= MinLog2 and <= MaxLog2 ? Words(log2) * 8 : -1;

    internal static TextTrigrams FromBytes(ReadOnlySpan<byte> bytes, int log2)
    {
        if (bytes.Length != ByteCountOf(log2))
        {
            throw new InvalidDataException($"a text index of {bytes.Length} bytes does not match its size 2^{log2} bits");
        }

        var bits = new ulong[Words(log2)];
        bytes.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()));
        return new TextTrigrams(bits, log2);
    }

    private static int Words(int log2) => Math.Max(1, (int)((1L << log2) / 64));

    private static byte Fold(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    private static (ulong, ulong) Hashes(int code)
    {
        var h = (ulong)code * 0x9E3779B97F4A7C15UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (h, (h >> 32) | 1);
    }

    /// <summary>
    /// Collects the distinct trigrams of a part's messages exactly (a bit per possible trigram, 2 MiB pooled), then
    /// sizes the filter to their number. Reuse per part: <see cref="Build"/> empties it.
    /// </summary>
    internal sealed class Builder : IDisposable
    {
        private readonly ulong[] _seen = ArrayPool<ulong>.Shared.Rent((1 << 24) / 64);
        private readonly List<int> _codes = [];
        private bool _overflow;

        public Builder() => Array.Clear(_seen, 0, (1 << 24) / 64);

        /// <summary>
        /// Adds a message's trigrams. ASCII letters are folded to lower case, and so are the two characters outside
        /// ASCII that a Unicode case-insensitive match (the engine's) equates with ASCII letters: KELVIN SIGN with 'k'
        /// and LONG S with 's'. Other bytes are kept: no ASCII text can match them.
        /// </summary>
        public void Add(ReadOnlySpan<byte> text)
        {
            if (_overflow)
            {
                return;
            }

            int code = 0, seen = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var b = text[i];
                if (b == 0xE2 && i + 2 < text.Length && text[i + 1] == 0x84 && text[i + 2] == 0xAA)
                {
                    (b, i) = ((byte)'k', i + 2);
                }
                else if (b == 0xC5 && i + 1 < text.Length && text[i + 1] == 0xBF)
                {
                    (b, i) = ((byte)'s', i + 1);
                }

                code = ((code << 8) | Fold(b)) & 0xFFFFFF;
                if (++seen >= 3)
                {
                    AddCode(code);
                }
            }

            _overflow |= _codes.Count > MaxDistinct;
        }

        private void AddCode(int code)
        {
            ref var word = ref _seen[code >> 6];
            var bit = 1UL << (code & 63);
            if ((word & bit) == 0)
            {
                word |= bit;
                _codes.Add(code);
            }
        }

        /// <summary>
        /// The filter of everything added, or null past <see cref="MaxDistinct"/> trigrams; the trigrams also go into
        /// <paramref name="into"/> (a part's filter made of its row groups').
        /// </summary>
        public TextTrigrams? Build(Builder? into = null)
        {
            if (into is not null && !into._overflow)
            {
                foreach (var code in _codes)
                {
                    into.AddCode(code);
                }

                into._overflow = _overflow || into._codes.Count > MaxDistinct;
            }

            TextTrigrams? result = null;
            if (!_overflow)
            {
                var log2 = Math.Max(MinLog2, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, _codes.Count * BitsPerTrigram))));
                var bits = new ulong[Words(log2)];
                var mask = (1UL << log2) - 1;
                foreach (var code in _codes)
                {
                    var (h1, h2) = Hashes(code);
                    for (var i = 0; i < Probes; i++)
                    {
                        var bit = (h1 + ((ulong)i * h2)) & mask;
                        bits[bit >> 6] |= 1UL << (int)(bit & 63);
                    }
                }

                result = new TextTrigrams(bits, log2);
            }

            foreach (var code in _codes)
            {
                _seen[code >> 6] = 0;
            }

            _codes.Clear();
            _overflow = false;
            return result;
        }

        public void Dispose() => ArrayPool<ulong>.Shared.Return(_seen);
    }
}

/// <summary>The text index of one run of a part's rows, by their WAL sequence range; a null index admits the run.</summary>
public sealed record TextBlock(long MinSeq, long MaxSeq, TextTrigrams? Text);
