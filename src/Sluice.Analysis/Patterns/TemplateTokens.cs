using System.IO.Hashing;
using System.Numerics;
using System.Text;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// The tokens of a template, immutable: each token's text and 64-bit hash (compared instead of bytes in the hot path),
/// the joined text and a hash of the whole sequence.
/// </summary>
internal sealed class TemplateTokens
{
    /// <summary>The variable marker, as a token.</summary>
    public const string Wildcard = "<*>";

    /// <summary>The hash every wildcard token has.</summary>
    public static readonly ulong WildcardHash = HashToken("<*>"u8);

    private TemplateTokens(string[] texts, ulong[] hashes)
    {
        Texts = texts;
        Hashes = hashes;
        Text = string.Join(' ', texts);
        HoldsValue = new bool[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            HoldsValue[i] = texts[i].Contains(Wildcard, StringComparison.Ordinal);
        }
        SequenceHash = SequenceSeed;
        foreach (var hash in hashes)
        {
            SequenceHash = MixSequence(SequenceHash, hash);
            Wildcards += hash == WildcardHash ? 1 : 0;
        }
    }

    public string[] Texts { get; }

    public ulong[] Hashes { get; }

    public string Text { get; }

    /// <summary>Per token: it is or contains a wildcard, i.e. it holds a value.</summary>
    public bool[] HoldsValue { get; }

    public ulong SequenceHash { get; }

    public int Wildcards { get; }

    public int Count => Hashes.Length;

    /// <summary>The sequence hash of no tokens.</summary>
    public const ulong SequenceSeed = 0x9E3779B97F4A7C15;

    /// <summary>Folds one token's hash into a sequence hash (order matters).</summary>
    public static ulong MixSequence(ulong sequence, ulong token) => (BitOperations.RotateLeft(sequence, 27) ^ token) * 0x100000001B3UL + 0x632BE59BD9B4E019UL;

    public static ulong HashToken(ReadOnlySpan<byte> token) => XxHash3.HashToUInt64(token);

    /// <summary>The tokens of a masked message, as a new template.</summary>
    public static TemplateTokens From(MaskedLine line)
    {
        var texts = new string[line.Count];
        var hashes = new ulong[line.Count];
        for (var i = 0; i < line.Count; i++)
        {
            texts[i] = Encoding.UTF8.GetString(line.Token(i));
            hashes[i] = line.Hash(i);
        }
        return new TemplateTokens(texts, hashes);
    }

    /// <summary>A template from its token texts (wildcard runs already folded).</summary>
    public static TemplateTokens Of(IReadOnlyList<string> tokens)
    {
        var texts = tokens.ToArray();
        var hashes = new ulong[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            hashes[i] = HashToken(Encoding.UTF8.GetBytes(texts[i]));
        }
        return new TemplateTokens(texts, hashes);
    }

    /// <summary>A template as text (tokens split at whitespace), e.g. from a persisted catalog.</summary>
    public static TemplateTokens Parse(string template)
    {
        var texts = template.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var hashes = new ulong[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            hashes[i] = HashToken(Encoding.UTF8.GetBytes(texts[i]));
        }
        return new TemplateTokens(texts, hashes);
    }

    /// <summary>This template with every position where the message differs turned into a wildcard; itself if none does.</summary>
    public TemplateTokens Generalise(MaskedLine line)
    {
        string[]? texts = null;
        ulong[]? hashes = null;
        for (var i = 0; i < Hashes.Length; i++)
        {
            if (Hashes[i] == line.Hash(i) || Hashes[i] == WildcardHash)
            {
                continue;
            }
            texts ??= (string[])Texts.Clone();
            hashes ??= (ulong[])Hashes.Clone();
            texts[i] = Wildcard;
            hashes[i] = WildcardHash;
        }
        return texts is null ? this : new TemplateTokens(texts, hashes!);
    }

    /// <summary>True when every constant of the template equals the message's token at its position.</summary>
    public bool Covers(MaskedLine line)
    {
        if (line.Count != Hashes.Length)
        {
            return false;
        }
        for (var i = 0; i < Hashes.Length; i++)
        {
            if (Hashes[i] != WildcardHash && Hashes[i] != line.Hash(i))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when the other template is this one or a specialisation of it (same length, constants agree).</summary>
    public bool Covers(TemplateTokens other)
    {
        if (other.Count != Hashes.Length)
        {
            return false;
        }
        for (var i = 0; i < Hashes.Length; i++)
        {
            if (Hashes[i] != WildcardHash && Hashes[i] != other.Hashes[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// True when the message differs from the template only where a value is (either side holds a wildcard), so the
    /// template can be generalised at once; a differing plain word needs more evidence that the position varies.
    /// </summary>
    public bool DiffersOnlyInValues(MaskedLine line)
    {
        for (var i = 0; i < Hashes.Length; i++)
        {
            if (Hashes[i] != line.Hash(i) && !HoldsValue[i] && !line.HoldsValue(i))
            {
                return false;
            }
        }
        return true;
    }

    public bool SameAs(TemplateTokens other) => SequenceHash == other.SequenceHash && Text == other.Text;
}
