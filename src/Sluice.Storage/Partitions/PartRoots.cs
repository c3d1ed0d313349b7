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

    /// <summary>
    /// A path for answers and reports: <c>partitions/…</c> or <c>archive/…</c> relative to its tier, or the bare file
    /// name — never where the server keeps its data on disk.
    /// </summary>
    public string Display(string path)
    {
        foreach (var (root, name) in new[] { (Partitions, "partitions"), (Archive, "archive") })
        {
            var relative = Path.GetRelativePath(root, path);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return name + "/" + relative.Replace(Path.DirectorySeparatorChar, '/');
            }
        }

        return Path.GetFileName(path);
    }
}
