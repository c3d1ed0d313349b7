using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

public sealed class ConfigCliTests
{
    [Fact]
    public async Task Config_commands_read_change_audit_and_roll_back_the_settings_of_a_real_server()
    {
        await using var server = await TestServer.StartAsync();
        var url = server.Http.BaseAddress!.ToString();
        var env = new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = server.DataDir + "-cli", ["SLUICE_API_KEY"] = "" };

        var (exit, output) = await CliTests.Run(env, null, "config", "get", "--url", url);
        Assert.True(exit == 0, output);
        Assert.Matches(@"Features:Tail\s+True\s+default\s+yes", output);
        Assert.Matches(@"Listen\s+127\.0\.0\.1:0\s+configured\s+no", output);
        Assert.Contains("version 0; features: patterns=true, tail=true, alerts=true, reads=local", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.Run(env, null, "config", "set", "Features:Tail=false", "Alerts:CooldownSeconds=45", "--reason", "maintenance", "--url", url);
        Assert.True(exit == 0, output);
        Assert.Contains("version 1", output, StringComparison.Ordinal);
        Assert.Contains("Alerts:CooldownSeconds: 600 → 45", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.Run(env, null, "config", "get", "Features:Tail", "--output", "json", "--url", url);
        Assert.True(exit == 0, output);
        var tail = JsonDocument.Parse(output).RootElement.GetProperty("settings").GetProperty("Features:Tail");
        Assert.Equal("False", tail.GetProperty("value").GetString());
        Assert.Equal("runtime", tail.GetProperty("origin").GetString());

        (exit, output) = await CliTests.Run(env, null, "config", "history", "--url", url);
        Assert.True(exit == 0, output);
        Assert.Matches(@"1\s+\S+Z\s+local\s+maintenance\s+.*Features:Tail: True → False", output);

        (exit, output) = await CliTests.Run(env, null, "config", "rollback", "0", "--url", url);
        Assert.True(exit == 0, output);
        Assert.Contains("version 2", output, StringComparison.Ordinal);
        Assert.Contains("Features:Tail: False → True", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.Run(env, null, "config", "health", "--url", url);
        Assert.True(exit == 0, output);
        Assert.StartsWith("healthy: version 2", output, StringComparison.Ordinal);

        // Refused by the server: 3, naming the setting.
        (exit, output) = await CliTests.Run(env, null, "config", "set", "Listen=127.0.0.1:9", "--url", url);
        Assert.Equal(3, exit);
        Assert.Contains("setting_not_reloadable: Listen", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.Run(env, null, "config", "set", "Alerts:CooldownSeconds=-1", "--url", url);
        Assert.Equal(3, exit);
        Assert.Contains("invalid_setting: Alerts:CooldownSeconds", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.Run(env, null, "config", "get", "No:Such", "--url", url);
        Assert.Equal(3, exit);
        Assert.Contains("unknown_setting", output, StringComparison.Ordinal);
        Assert.Equal(3, (await CliTests.Run(env, null, "config", "rollback", "42", "--url", url)).Exit);

        // Usage errors: 2, before any request.
        Assert.Equal(2, (await CliTests.Run(env, null, "config", "set", "--url", url)).Exit);
        Assert.Equal(2, (await CliTests.Run(env, null, "config", "set", "Features:Tail", "--url", url)).Exit);
        Assert.Equal(2, (await CliTests.Run(env, null, "config", "rollback", "latest", "--url", url)).Exit);
        Assert.Equal(2, (await CliTests.Run(env, null, "config", "get", "--output", "yaml", "--url", url)).Exit);

        // Nobody there: 4.
        (exit, output) = await CliTests.Run(env, null, "config", "get", "--url", "http://127.0.0.1:1");
        Assert.Equal(4, exit);
        Assert.Contains("unreachable", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_health_exits_1_when_the_runtime_layer_could_not_be_read()
    {
        var dir = TestServer.NewDataDir();
        Directory.CreateDirectory(Path.Combine(dir, "meta", "settings", "versions"));
        await File.WriteAllTextAsync(Path.Combine(dir, "meta", "settings", "versions", "1.json"), "[broken");
        await using (var server = await TestServer.StartAsync(dataDir: dir))
        {
            var env = new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir + "-cli", ["SLUICE_API_KEY"] = "" };
            var (exit, output) = await CliTests.Run(env, null, "config", "health", "--url", server.Http.BaseAddress!.ToString());
            Assert.True(exit == 1, output);
            Assert.Contains("NOT healthy", output, StringComparison.Ordinal);
            Assert.Contains("runtime layer NOT loaded", output, StringComparison.Ordinal);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Serve_takes_any_setting_with_set_and_names_a_bad_one()
    {
        var (exit, output) = await CliTests.Run("serve", "--listen", "127.0.0.1:0", "--set", "Query:MaxLimit=abc");
        Assert.Equal(2, exit);
        Assert.Contains("sluice: invalid configuration:", output, StringComparison.Ordinal);
        Assert.Contains("Query:MaxLimit", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.Run("serve", "--set", "Query:MaxLimit");
        Assert.Equal(2, exit);
        Assert.Contains("--set takes Section:Key=value", output, StringComparison.Ordinal);
    }
}
