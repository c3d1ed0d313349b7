namespace Sluice.Server.Mirror;

/// <summary>
/// Which events a partial mirror forwards: those whose id hashes below <c>Mirror:Share</c>. The hash is FNV-1a
/// (64-bit) of the id's UTF-8 bytes, mixed by MurmurHash3's fmix64 (FNV alone leaves the top bits of short, similar
/// ids such as <c>r12</c>, <c>r13</c> far from uniform), its top 53 bits read as a fraction of 1 — a function of the
/// id alone, so a retry, a restart or another node picks the same events, and anyone can tell which ids a mirror
/// should hold.
/// </summary>
internal static class MirrorSelection
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static bool IsSelected(ReadOnlySpan<byte> id, double share) => share switch
    {
        >= 1 => true,
        <= 0 => false,
        _ => Fraction(id) < share,
    };

    /// <summary>The id's place in [0, 1).</summary>
    public static double Fraction(ReadOnlySpan<byte> id)
    {
        var hash = OffsetBasis;
        foreach (var b in id)
        {
            hash = (hash ^ b) * Prime;
        }

        hash = (hash ^ (hash >> 33)) * 0xff51afd7ed558ccd;
        hash = (hash ^ (hash >> 33)) * 0xc4ceb9fe1a85ec53;
        hash ^= hash >> 33;

        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
