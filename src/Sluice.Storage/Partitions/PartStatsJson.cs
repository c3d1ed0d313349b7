using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Stats files of versions 1 and 2, still on disk beside parts sealed before version 3: a JSON object whose binary
/// parts (trace index, distinct-IP sketch, trigram filters, stored counts) are base64 strings (docs/storage.md).
/// Only read: compaction and every new seal write version 3.
/// </summary>
internal static class PartStatsJson
{
    public static PartStats Decode(byte[] bytes, string path)
    {
        try
        {
            return Decode(JsonNode.Parse(bytes) ?? throw new InvalidDataException($"{path} is empty"));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // Not JSON, a value of the wrong type or broken base64: damage, reported as such.
            throw new InvalidDataException($"{path} is not a readable stats file: {e.Message}", e);
        }
    }

    private static PartStats Decode(JsonNode root)
    {
        var (keys, first, last) = root["trace_index"] is { } index
            ? TraceIndexFormat.Decode(Convert.FromBase64String(index.GetValue<string>()), resolutionMs: 1)
            : ReadVersion1Traces(Convert.FromBase64String(Member(root, "traces").GetValue<string>()));
        var text = root["text_trigrams"] is { } bits ? TextTrigrams.FromBase64(bits.GetValue<string>(), Member(root, "text_trigrams_log2").GetValue<int>()) : null;
        var blocks = root["text_blocks"] is JsonArray runs
            ? runs.Select(b => new TextBlock(Member(b, "min_seq").GetValue<long>(), Member(b, "max_seq").GetValue<long>(),
                b?["bits"] is { } blockBits ? TextTrigrams.FromBase64(blockBits.GetValue<string>(), Member(b, "log2").GetValue<int>()) : null)).ToList()
            : null;
        // "detail" (SummaryDetail) is absent from parts written before it: their hours are counted by the engine.
        var detail = root["detail"] is { } encoded ? Convert.FromBase64String(encoded.GetValue<string>()) : null;
        return new PartStats(ReadSummary(Member(root, "summary")), keys, first, last, text, blocks, detail);
    }

    private static PartSummary ReadSummary(JsonNode node)
    {
        var summary = new PartSummary { Total = Member(node, "total").GetValue<long>() };
        foreach (var (field, values) in Member(node, "counts").AsObject())
        {
            foreach (var (value, count) in (values ?? throw Missing(field)).AsObject())
            {
                summary.Count(field, value, (count ?? throw Missing(value)).GetValue<long>());
            }
        }

        if (node["ips_hll"]?.GetValue<string>() is { } sketch)
        {
            summary.Ips = HyperLogLog.FromBytes(Convert.FromBase64String(sketch));
        }

        return summary;
    }

    private static JsonNode Member(JsonNode? node, string name) => node?[name] ?? throw Missing(name);

    private static InvalidDataException Missing(string name) => new($"a stats file lacks \"{name}\" or holds null there");

    /// <summary>
    /// Version 1's trace index: 16 bytes per trace, its whole 64-bit hash then first and last offset, little-endian,
    /// sorted by hash. Read into the keys of versions 2 and 3: the keys of hashes in order are in order too, and
    /// hashes sharing a key share its entry.
    /// </summary>
    private static (uint[] Keys, uint[] First, uint[] Last) ReadVersion1Traces(byte[] bytes)
    {
        var (keys, first, last) = (new List<uint>(bytes.Length / 16), new List<uint>(bytes.Length / 16), new List<uint>(bytes.Length / 16));
        for (var at = 0; at + 16 <= bytes.Length; at += 16)
        {
            var entry = bytes.AsSpan(at);
            var key = TraceIndexFormat.KeyOf(BinaryPrimitives.ReadUInt64LittleEndian(entry));
            var (from, to) = (BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]), BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]));
            if (keys.Count > 0 && keys[^1] == key)
            {
                (first[^1], last[^1]) = (Math.Min(first[^1], from), Math.Max(last[^1], to));
                continue;
            }

            keys.Add(key);
            first.Add(from);
            last.Add(to);
        }

        return ([.. keys], [.. first], [.. last]);
    }
}
