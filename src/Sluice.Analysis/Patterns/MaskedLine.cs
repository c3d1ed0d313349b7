namespace Sluice.Analysis.Patterns;

/// <summary>
/// A message after masking, as tokens in one reusable byte buffer with each token's hash: the miner's scratch space,
/// so the hot path allocates nothing once the buffers have grown to the longest message.
/// </summary>
internal sealed class MaskedLine
{
    private byte[] _bytes = new byte[512];
    private int[] _starts = new int[64];
    private int[] _lengths = new int[64];
    private ulong[] _hashes = new ulong[64];
    private bool[] _holdsValue = new bool[64];
    private int _length;
    private int _tokenStart = -1;

    public int Count { get; private set; }

    /// <summary>Hash of the token sequence, the key of the miner's cache.</summary>
    public ulong SequenceHash { get; private set; } = TemplateTokens.SequenceSeed;

    public ReadOnlySpan<byte> Token(int index) => _bytes.AsSpan(_starts[index], _lengths[index]);

    public ulong Hash(int index) => _hashes[index];

    public bool IsWildcard(int index) => _hashes[index] == TemplateTokens.WildcardHash;

    /// <summary>The token is or contains a masked value.</summary>
    public bool HoldsValue(int index) => _holdsValue[index];

    public void Clear()
    {
        _length = 0;
        Count = 0;
        _tokenStart = -1;
        SequenceHash = TemplateTokens.SequenceSeed;
    }

    public void BeginToken()
    {
        _tokenStart = _length;
    }

    public void Append(byte value)
    {
        if (_length == _bytes.Length)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
        }
        _bytes[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        if (_length + value.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + value.Length));
        }
        value.CopyTo(_bytes.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>Appends the variable marker unless the token already ends with one (two variables side by side are one).</summary>
    public void AppendWildcard()
    {
        var written = _bytes.AsSpan(_tokenStart, _length - _tokenStart);
        if (!written.EndsWith("<*>"u8))
        {
            Append("<*>"u8);
        }
    }

    /// <summary>Closes the token; a wildcard token right after another is dropped, so a variable spanning tokens is one.</summary>
    public void EndToken()
    {
        var length = _length - _tokenStart;
        if (length == 0)
        {
            return;
        }
        var token = _bytes.AsSpan(_tokenStart, length);
        var hash = TemplateTokens.HashToken(token);
        if (hash == TemplateTokens.WildcardHash && Count > 0 && _hashes[Count - 1] == TemplateTokens.WildcardHash)
        {
            _length = _tokenStart;
            return;
        }
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
            Array.Resize(ref _hashes, Count * 2);
            Array.Resize(ref _holdsValue, Count * 2);
        }
        _starts[Count] = _tokenStart;
        _lengths[Count] = length;
        _hashes[Count] = hash;
        _holdsValue[Count] = token.IndexOf("<*>"u8) >= 0;
        Count++;
        SequenceHash = TemplateTokens.MixSequence(SequenceHash, hash);
    }
}
