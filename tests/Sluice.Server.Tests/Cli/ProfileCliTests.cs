using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

public sealed class ProfileCliTests
{
    [Fact]
    public async Task Profiles_are_kept_owner_only_and_list_their_keys_masked()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-profiles-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir, ["SLUICE_API_KEY"] = "" };
            var (exit, output) = await CliTests.Run(env, "s3cret-key-123\n", "profile", "create", "--name", "prod", "--url", "https://logs.example.test/", "--api-key-stdin");
            Assert.True(exit == 0, output);
            (exit, output) = await CliTests.Run(env, null, "profile", "create", "--name", "local", "--url", "http://127.0.0.1:5080");
            Assert.True(exit == 0, output);

            var file = Path.Combine(dir, "profiles.json");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Contains("s3cret-key-123", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

            (exit, output) = await CliTests.Run(env, null, "profile", "list");
            Assert.True(exit == 0, output);
            Assert.Contains("prod\thttps://logs.example.test\t****", output, StringComparison.Ordinal);
            Assert.Contains("local\thttp://127.0.0.1:5080\t-", output, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);

            Assert.Equal(0, (await CliTests.Run(env, null, "profile", "remove", "--name", "local")).Exit);
            Assert.Equal(1, (await CliTests.Run(env, null, "profile", "remove", "--name", "local")).Exit);
            (_, output) = await CliTests.Run(env, null, "profile", "list");
            Assert.DoesNotContain("local", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_profile_input_is_a_usage_error_naming_the_option()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-profiles-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir };
            var (exit, output) = await CliTests.Run(env, null, "profile", "create", "--name", "x", "--url", "ftp://nope");
            Assert.Equal(2, exit);
            Assert.Contains("--url must be an absolute http or https URL", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.Run(env, null, "profile", "create", "--name", "a b", "--url", "http://h");
            Assert.Equal(2, exit);
            Assert.Contains("--name must be", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "profiles.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Help_is_shown_for_a_command_and_exits_zero()
    {
        var (exit, output) = await CliTests.Run("profile", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("sluice profile create --name NAME", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sluice bench gen", output, StringComparison.Ordinal);
        Assert.Contains("exit codes:", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.Run("frobnicate");
        Assert.Equal(2, exit);
        Assert.Contains("unknown command 'frobnicate'", output, StringComparison.Ordinal);
    }
}
