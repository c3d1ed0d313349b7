namespace Sluice.Storage.Partitions;

/// <summary>
/// Where the two tiers of parts live. The manifest stores each part's path relative to its tier's root, so a data
/// directory (or archive) that is moved, restored elsewhere or mounted at another path keeps every part.
/// </summary>
public sealed record PartRoots(string Partitions, string Archive)
{
    internal string RootOf(PartTier tier) => tier == PartTier.Archive ? Archive : Partitions;

    internal string Relative(PartInfo part) => Path.GetRelativePath(RootOf(part.Tier), part.Path);

    internal string Resolve(PartTier tier, string relative) => Path.GetFullPath(Path.Combine(RootOf(tier), relative));

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

    /// <summary>
    /// <paramref name="text"/> (an engine's message) with every mention of the two roots shortened to
    /// <c>partitions</c> or <c>archive</c>, so an error over a damaged part names the part but not the server's disk.
    /// </summary>
    public string HidePaths(string text)
    {
        foreach (var (root, name) in new[] { (Partitions, "partitions"), (Archive, "archive") })
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            text = text.Replace(full, name, StringComparison.Ordinal);
        }

        return text;
    }
}
