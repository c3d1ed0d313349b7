namespace Sluice.Storage.Partitions;

/// <summary>
/// Where the two tiers of parts live. The manifest stores each part's path relative to its tier's root, so a data
/// directory (or archive) that is moved, restored elsewhere or mounted at another path keeps every part.
/// </summary>
public sealed record PartRoots(string Partitions, string Archive)
{
    public string RootOf(PartTier tier) => tier == PartTier.Archive ? Archive : Partitions;

    public string Relative(PartInfo part) => Path.GetRelativePath(RootOf(part.Tier), part.Path);

    public string Resolve(PartTier tier, string relative) => Path.GetFullPath(Path.Combine(RootOf(tier), relative));
}
