using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>Reads parts' text indexes to skip parts that cannot hold a searched text; any doubt admits the part.</summary>
public static class TextIndex
{
    public static bool MayMatch(PartInfo part, PartStatsCache stats, IReadOnlyList<int[]>? required)
    {
        if (required is not { Count: > 0 })
        {
            return true;
        }

        TextTrigrams? text;
        try
        {
            text = stats.Get(part).Text;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return true; // the engine reads the part and reports what is wrong with it
        }

        return text is null || required.All(codes => text.MayContain(codes));
    }

    /// <summary>The trigram codes of every text term ANDed at the top of <paramref name="filter"/> (and of <paramref name="text"/>).</summary>
    public static IReadOnlyList<int[]>? Required(Language.Filter? filter, string? text)
    {
        var required = QueryBounds.Of(filter, 0).RequiredText?.ToList() ?? [];
        if (text is not null && TextTrigrams.NeedleCodes(text) is { } codes)
        {
            required.Add(codes);
        }

        return required.Count == 0 ? null : required;
    }
}
