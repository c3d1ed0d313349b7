namespace Sluice.Server.Tests.Cli;

/// <summary><c>sluice forward</c>'s command line: clear usage errors, and the upstream key never printed.</summary>
public sealed class ForwardCliTests
{
    [Theory]
    [InlineData("forward")]
    [InlineData("forward", "--to", "ftp://upstream.example")]
    [InlineData("forward", "--to", "http://127.0.0.1:1", "--interval", "soon")]
    [InlineData("forward", "--to", "http://127.0.0.1:1", "--interval", "2h")]
    [InlineData("forward", "--to", "http://127.0.0.1:1", "--batch", "0")]
    [InlineData("forward", "--to", "http://127.0.0.1:1", "--api-key-env", "SLUICE_TEST_UNSET_KEY_VARIABLE")]
    [InlineData("forward", "--to", "http://127.0.0.1:1", "--colour", "blue")]
    public async Task A_wrong_command_line_is_a_usage_error_naming_the_option(params string[] args)
    {
        var (exit, output) = await CliTests.Run(args);
        Assert.True(exit == 2, output);
        Assert.Contains(args.Length == 1 ? "--to" : args[^2], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_shows_the_forward_usage()
    {
        var (exit, output) = await CliTests.Run("forward", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("sluice forward --to URL", output, StringComparison.Ordinal);
        Assert.Contains("SLUICE_FORWARD_API_KEY", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upstream_key_is_read_from_the_named_variable_and_never_printed()
    {
        // A data directory that is a file: the forwarder prints its options, then cannot open it and stops.
        var file = Path.GetTempFileName();
        try
        {
            var env = new Dictionary<string, string> { ["EDGE_KEY"] = "edge-secret-4711" };
            var (exit, output) = await CliTests.Run(env, null, "forward", "--to", "http://127.0.0.1:1", "--api-key-env", "EDGE_KEY", "--data", file, "--listen", "127.0.0.1:0");
            Assert.True(exit == 1, output);
            Assert.Contains("Mirror:ApiKey", output, StringComparison.Ordinal);
            Assert.Contains("Mirror:BatchEvents = 50", output, StringComparison.Ordinal);
            Assert.DoesNotContain("edge-secret-4711", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
