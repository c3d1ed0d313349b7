namespace Sluice.Core.Privacy;

/// <summary>Turns a client IP into its keyed hash at admission; the raw address is never stored.</summary>
public interface IIpHasher
{
    /// <summary>Number of bytes <see cref="Hash"/> writes.</summary>
    int HashLength { get; }

    /// <summary>Writes the hash of <paramref name="ipUtf8"/> (as text, after trimming) into <paramref name="destination"/>.</summary>
    void Hash(ReadOnlySpan<byte> ipUtf8, Span<byte> destination);
}
