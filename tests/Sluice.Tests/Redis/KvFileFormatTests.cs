using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Redis.Kv;

namespace Sluice.Tests.Redis;

/// <summary>The durable KV file (format 1): its bytes are pinned, damage is seen, and the index is rebuilt from headers.</summary>
public sealed class KvFileFormatTests
{
    /// <summary>Written by an independent (Python) encoder of the layout in docs/storage.md, CRC-32C included.</summary>
    private const string Golden = "534b563101100100c0ba8a3cd56204000068e5cf8b0100006052e6cf8b0100001027000000000000ffffffffffffffff0a00000003000000"
        + "6b6170706c69636174696f6e2f6a736f6e0102031894a7ab";

    private static readonly KvEntry Sample = new()
    {
        Key = "k",
        Version = 1_234_567_890_123_456,
        Flags = KvFlags.Zstd,
        ContentType = "application/json",
        Stored = [1, 2, 3],
        RawLength = 10,
        UpdatedMs = 1_700_000_000_000,
        ExpiresAtMs = 1_700_000_060_000,
        CacheTtlMs = 10_000,
        RedisTtlMs = KvEntry.Forever,
    };

    [Fact]
    public void Format_1_is_written_byte_for_byte_as_documented_and_read_back()
    {
        var bytes = KvFileFormat.Encode(Sample);
        Assert.Equal(Golden, Convert.ToHexStringLower(bytes));
        var read = KvFileFormat.Decode(Convert.FromHexString(Golden));
        Assert.NotNull(read);
        Assert.Equal(Sample with { Stored = [] }, read with { Stored = [] });
        Assert.Equal(Sample.Stored, read.Stored);
    }

    [Fact]
    public void Flag_values_on_disk_never_change()
    {
        Assert.Equal(1, (int)KvFlags.Zstd);
        Assert.Equal(2, (int)KvFlags.Tombstone);
    }

    [Fact]
    public void A_cut_or_altered_file_is_not_read()
    {
        var bytes = KvFileFormat.Encode(Sample);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(KvFileFormat.Decode(bytes.AsSpan(0, length)));
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            var altered = (byte[])bytes.Clone();
            altered[i] ^= 0x10;
            Assert.Null(KvFileFormat.Decode(altered));
        }
    }

    [Fact]
    public void The_durable_tier_rebuilds_its_index_from_the_files_and_leaves_damaged_ones_out()
    {
        var root = Path.Combine(Path.GetTempPath(), "sluice-kv-" + Guid.NewGuid().ToString("N"));
        try
        {
            var tier = new DurableTier(root, NullLogger.Instance);
            tier.Write(Sample with { Key = "alive", Flags = KvFlags.None, Stored = "hello"u8.ToArray(), RawLength = 5 }, 0);
            tier.Write(Sample with { Key = "gone", Flags = KvFlags.Tombstone, Stored = [] }, 0);
            tier.Write(Sample with { Key = "damaged", Flags = KvFlags.None }, 0);
            var damaged = tier.PathOf("damaged");
            var bytes = File.ReadAllBytes(damaged);
            File.WriteAllBytes(damaged, bytes[..^7]); // a file cut short (not something AtomicFile leaves: a disk fault)
            File.WriteAllBytes(tier.PathOf("alive") + ".tmp", [1, 2, 3]); // a replacement of "alive" that never finished

            var reopened = new DurableTier(root, NullLogger.Instance);
            Assert.Equal(1, reopened.LiveKeys);
            Assert.Equal(1, reopened.Tombstones);
            Assert.Equal(1, reopened.Damaged);
            Assert.Equal(5, reopened.Bytes);
            Assert.Equal("hello"u8.ToArray(), reopened.Read("alive")!.Stored);
            Assert.Null(reopened.Read("damaged"));
            Assert.Empty(Directory.EnumerateFiles(root, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Values_over_the_threshold_are_compressed_when_that_helps_and_decode_whole()
    {
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"level\":\"info\",\"n\":1}", 300)));
        var (stored, flags) = KvCodec.Encode(text, 1_024);
        Assert.Equal(KvFlags.Zstd, flags);
        Assert.True(stored.Length < text.Length / 10);
        Assert.Equal(text, KvCodec.Decode(new KvEntry { Key = "t", Version = 1, Flags = flags, Stored = stored, RawLength = text.Length }));

        var noise = new byte[5_000];
        new Random(7).NextBytes(noise);
        Assert.Equal(KvFlags.None, KvCodec.Encode(noise, 1_024).Flags); // would not get smaller
        Assert.Equal(KvFlags.None, KvCodec.Encode(text.AsSpan(0, 1_024), 1_024).Flags); // not over the threshold
        Assert.Null(KvCodec.Decode(new KvEntry { Key = "t", Version = 1, Flags = KvFlags.Zstd, Stored = [1, 2, 3], RawLength = 10 }));
    }
}
