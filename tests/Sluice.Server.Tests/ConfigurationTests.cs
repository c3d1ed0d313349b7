using System.Collections;
using Sluice.Core.Options;
using Sluice.Server.Configuration;

namespace Sluice.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Precedence_is_file_then_overlay_then_environment_then_command_line()
    {
        var file = Path.Combine(_dir, "sluice.json");
        File.WriteAllText(file, """{"Listen":"127.0.0.1:7000","DataDir":"from-file","Hot":{"ChunkBytes":1048576},"Query":{"MaxLimit":500,"DefaultLimit":50}}""");
        File.WriteAllText(Path.Combine(_dir, "sluice.production.json"), """{"Query":{"MaxLimit":600}}""");
        var environment = new Hashtable
        {
            ["SLUICE_ENVIRONMENT"] = "production",
            ["SLUICE_DATA_DIR"] = "from-env",
            ["SLUICE__Wal__SegmentBytes"] = "1048576",
            ["TRAFFIC_LOGS_RETENTION_HOURS"] = "12",
            ["TRAFFIC_LOGS_MAX_MEMORY_MB"] = "20",
            ["TRAFFIC_LOGS_BATCH_SIZE"] = "250",
        };

        var options = SluiceConfiguration.Load(file, new Dictionary<string, string?> { ["Listen"] = "127.0.0.1:7001" }, environment);

        Assert.Equal("127.0.0.1:7001", options.Listen);
        Assert.Equal("from-env", options.DataDir);
        Assert.Equal(1_048_576, options.Hot.ChunkBytes);
        Assert.Equal(600, options.Query.MaxLimit);
        Assert.Equal(50, options.Query.DefaultLimit);
        Assert.Equal(1_048_576, options.Wal.SegmentBytes);
        Assert.Equal(12, options.Retention.TrafficHours);
        Assert.Equal(20, options.Memory.MaxUnflushedMb);
        Assert.Equal(250, options.Memory.BatchSize);
    }

    [Theory]
    [InlineData("SLUICE__Wal__SegmentBytes", "lots", "SegmentBytes")]
    [InlineData("SLUICE__Wal__Nonsense", "1", "Nonsense")]
    [InlineData("SLUICE_LISTEN", "nowhere", "Listen")]
    [InlineData("SLUICE_DURABILITY", "sometimes", "Durability")]
    public void Invalid_configuration_is_one_clear_line(string name, string value, string mentioned)
    {
        var error = Assert.Throws<OptionsException>(() => SluiceConfiguration.Load(null, new Dictionary<string, string?>(), new Hashtable { [name] = value }));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Printed_options_mask_the_ip_hash_secret()
    {
        var lines = OptionsPrinter.Lines(new SluiceOptions { Privacy = new PrivacyOptions { IpHashKey = Convert.ToBase64String(new byte[32]) } }).ToList();
        Assert.Contains("Privacy:IpHashKey = ****", lines);
        Assert.Contains("Listen = 127.0.0.1:5080", lines);
        Assert.Contains("Wal:SegmentBytes = 67108864", lines);
        Assert.DoesNotContain(lines, l => l.Contains(Convert.ToBase64String(new byte[32]), StringComparison.Ordinal));
    }
}
