using Sluice.Core.Events;
using Sluice.Storage.Wal;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>Pins every value and byte that is written to disk: changing one breaks existing data directories.</summary>
public class PersistedFormatTests
{
    [Fact]
    public void Field_tags_keep_their_numbers()
    {
        var expected = new Dictionary<string, byte>
        {
            ["id"] = 1, ["message"] = 2, ["template"] = 3, ["service"] = 4, ["system"] = 5, ["host"] = 6, ["domain"] = 7,
            ["category"] = 8, ["trace_id"] = 9, ["span_id"] = 10, ["request_id"] = 11, ["session_id"] = 12, ["user_id"] = 13,
            ["priority"] = 14, ["stack_trace"] = 15, ["url"] = 16, ["method"] = 17, ["status"] = 18, ["path"] = 19,
            ["ip_hash"] = 20, ["country"] = 21, ["decision"] = 22, ["reason"] = 23, ["risk"] = 24, ["ad_click"] = 25, ["pattern_id"] = 26, ["sample_weight"] = 27,
        };
        Assert.Equal(expected, FieldCatalog.All.ToDictionary(f => f.Name, f => (byte)f.Tag));
        Assert.Equal(64, (byte)FieldTag.Attribute);
    }

    [Fact]
    public void Enums_on_disk_keep_their_numbers()
    {
        Assert.Equal([0, 1], Enum.GetValues<EventKind>().Select(v => (int)v));
        Assert.Equal([0, 1, 2, 3, 4, 5], Enum.GetValues<EventLevel>().Select(v => (int)v));
        Assert.Equal(1, (int)WalRecordType.EventBatch);
        Assert.Equal(1, WalFormat.Version);
    }

    [Fact]
    public void Row_encoding_matches_the_golden_bytes()
    {
        using var batch = new EventBatchBuilder();
        batch.BeginRow();
        batch.WriteString(FieldTag.Id, "ab"u8);
        batch.WriteInteger(FieldTag.Status, 404);
        batch.WriteBoolean(FieldTag.AdClick, true);
        batch.WriteAttribute("k"u8, "v"u8);
        batch.EndRow(0x0102030405, EventKind.Traffic, EventLevel.Warn);
        byte[] golden =
        [
            30, 0, 0, 0, 0x05, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 1, 3, 0, 0, // header: length, timestamp, kind, level, reserved
            1, 2, (byte)'a', (byte)'b', // id
            18, 0xA8, 0x06, // status 404 as zig-zag varint (808)
            25, 1, // ad_click
            64, 1, (byte)'k', 1, (byte)'v', // attribute k=v
        ];
        Assert.Equal(golden, batch.Rows.ToArray());
    }

    [Fact]
    public void Wal_headers_match_the_golden_bytes()
    {
        var segment = new byte[WalFormat.SegmentHeaderSize];
        WalFormat.WriteSegmentHeader(segment, 7);
        Assert.Equal("SLUICWAL"u8.ToArray(), segment[..8]);
        Assert.Equal([1, 0], segment[8..10]);
        Assert.Equal([7, 0, 0, 0, 0, 0, 0, 0], segment[16..24]);
        Assert.True(WalFormat.TryReadSegmentHeader(segment, out var number));
        Assert.Equal(7, number);

        var record = new byte[WalFormat.RecordHeaderSize];
        WalFormat.WriteRecordHeader(record, 100, 0xAABBCCDD, 5, 3, WalRecordType.EventBatch);
        Assert.Equal([100, 0, 0, 0, 0xDD, 0xCC, 0xBB, 0xAA, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0], record[..24]);
        Assert.True(WalFormat.TryReadRecordHeader(record, out var parsed));
        Assert.Equal(new WalFormat.RecordHeader(100, 0xAABBCCDD, 5, 3, WalRecordType.EventBatch), parsed);
        record[16] ^= 1;
        Assert.False(WalFormat.TryReadRecordHeader(record, out _));
    }

    [Fact]
    public void Crc32c_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Sluice.Storage.IO.Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Malformed_rows_are_detected()
    {
        var row = Rows.Single("a");
        Assert.True(RowLayout.IsWellFormedBatch(row, 1));
        Assert.False(RowLayout.IsWellFormedBatch(row, 2));
        var broken = (byte[])row.Clone();
        broken[RowLayout.HeaderSize] = 99; // unknown tag
        Assert.False(RowLayout.IsWellFormedBatch(broken, 1));
        Assert.False(RowLayout.IsWellFormedBatch(row.AsSpan(0, row.Length - 1), 1));
    }
}
