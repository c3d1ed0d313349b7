using System.Collections;
using Sluice.Server.Configuration;

namespace Sluice.Server.Tests.Configuration;

public sealed class SettingsLayerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-layers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("sluice.production.json")]
    [InlineData("production.json")]
    public void Each_of_the_six_layers_overrides_the_one_below_for_the_same_key(string overlayName)
    {
        const string Key = "Alerts:CooldownSeconds";
        var dataDir = Path.Combine(_dir, "data");
        var file = Path.Combine(_dir, "sluice.json");
        File.WriteAllText(file, """{"Alerts":{"CooldownSeconds":601}}""");
        File.WriteAllText(Path.Combine(_dir, overlayName), """{"Alerts":{"CooldownSeconds":602}}""");
        var environment = new Hashtable { ["SLUICE_ENVIRONMENT"] = "production", ["SLUICE__Alerts__CooldownSeconds"] = "603" };
        var commandLine = new Dictionary<string, string?> { ["DataDir"] = dataDir, [Key] = "604" };
        var store = RuntimeSettingsStore.Open(RuntimeSettingsStore.DirectoryIn(dataDir));
        store.Save(new Dictionary<string, string?> { [Key] = "605" }, new SettingsVersion(1, 0, "local", "test", null, []));

        void Expect(int value, string origin)
        {
            var layers = SluiceConfiguration.LoadLayers(file, commandLine, environment);
            Assert.Equal(value, layers.Bind().Alerts.CooldownSeconds);
            Assert.Equal(origin, layers.OriginOf(Key));
        }

        Expect(605, ConfigurationLayers.Runtime);
        store.Save(new Dictionary<string, string?>(), new SettingsVersion(2, 0, "local", "test", null, []));
        Expect(604, ConfigurationLayers.CommandLine);
        commandLine.Remove(Key);
        Expect(603, ConfigurationLayers.Environment);
        environment.Remove("SLUICE__Alerts__CooldownSeconds");
        Expect(602, ConfigurationLayers.EnvironmentFile);
        environment.Remove("SLUICE_ENVIRONMENT");
        Expect(601, ConfigurationLayers.File);
        File.WriteAllText(file, "{}");
        Expect(600, ConfigurationLayers.Default);
    }

    [Fact]
    public void Options_built_by_hand_survive_the_round_trip_through_flat_settings()
    {
        var options = new Sluice.Core.Options.SluiceOptions
        {
            Alerts = new() { VolumeFactor = 2.75, WebhookUrl = "https://hooks.example.test/x" },
            Durability = Sluice.Core.Options.DurabilityMode.None,
            Syslog = new() { TcpPort = 0 },
        };

        var bound = ConfigurationLayers.FromOptions(options).Bind();

        Assert.Equal(FlatSettings.Flatten(options), FlatSettings.Flatten(bound));
    }
}
