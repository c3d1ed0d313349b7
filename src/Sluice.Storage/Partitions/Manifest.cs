using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Core.Events;
using Sluice.Core.IO;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The list of live parts and how far the WAL is persisted, in <c>meta/manifest.json</c>. Rewritten whole on each
/// change — temp file, fsync, rename, fsync of the directory — so a crash leaves the old list or the new one.
/// A part file that no manifest lists is an orphan (a crash between its rename and the manifest write); its rows
/// are still in the WAL, and start-up deletes it.
/// </summary>
internal sealed record Manifest(long PersistedThroughSeq, IReadOnlyList<PartInfo> Parts)
{
    public const string FileName = "manifest.json";
    private const int FormatVersion = 1;

    public static readonly Manifest Empty = new(0, []);

    public static Manifest Load(string metaDirectory, PartRoots roots)
    {
        var path = Path.Combine(metaDirectory, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }

        var root = JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path} is empty");
        if (root["version"]?.GetValue<int>() != FormatVersion)
        {
            throw new InvalidDataException($"{path} has an unknown format version");
        }

        var parts = root["parts"]!.AsArray().Select(p =>
        {
            var tier = p!["tier"]?.GetValue<string>() == "archive" ? PartTier.Archive : PartTier.Partitions;
            return new PartInfo
            {
            Path = roots.Resolve(tier, p["path"]!.GetValue<string>()),
            Kind = p["kind"]!.GetValue<string>() == "traffic" ? EventKind.Traffic : EventKind.Log,
            HourStart = p["hour"]!.GetValue<long>(),
            Rows = p["rows"]!.GetValue<long>(),
            Bytes = p["bytes"]!.GetValue<long>(),
            RawBytes = p["raw_bytes"]?.GetValue<long>() ?? 0,
            MinSeq = p["min_seq"]!.GetValue<long>(),
            MaxSeq = p["max_seq"]!.GetValue<long>(),
            MinTimestamp = p["min_ts"]!.GetValue<long>(),
            MaxTimestamp = p["max_ts"]!.GetValue<long>(),
            Tier = tier,
            };
        }).ToList();
        return new Manifest(root["persisted_through_seq"]!.GetValue<long>(), parts);
    }

    public void Save(string metaDirectory, PartRoots roots)
    {
        var parts = new JsonArray();
        foreach (var p in Parts)
        {
            parts.Add(new JsonObject
            {
                ["path"] = roots.Relative(p),
                ["kind"] = PartSchema.KindName(p.Kind),
                ["hour"] = p.HourStart,
                ["rows"] = p.Rows,
                ["bytes"] = p.Bytes,
                ["raw_bytes"] = p.RawBytes,
                ["min_seq"] = p.MinSeq,
                ["max_seq"] = p.MaxSeq,
                ["min_ts"] = p.MinTimestamp,
                ["max_ts"] = p.MaxTimestamp,
                ["tier"] = p.Tier == PartTier.Archive ? "archive" : "partitions",
            });
        }

        var root = new JsonObject { ["version"] = FormatVersion, ["persisted_through_seq"] = PersistedThroughSeq, ["parts"] = parts };
        AtomicFile.Write(Path.Combine(metaDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(root));
    }
}
