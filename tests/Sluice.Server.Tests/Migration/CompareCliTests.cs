using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Migration;

/// <summary><c>sluice compare</c>: the compare endpoint's answer as a table, and its verdict as the exit code.</summary>
public sealed class CompareCliTests
{
    [Fact]
    public async Task Compare_prints_a_table_and_exits_0_on_match_1_on_mismatch_and_2_when_it_cannot_ask()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Enumerable.Range(0, 30).Select(i =>
            $$"""{"id":"c{{i}}","timestamp":{{now - i}},"level":"{{(i % 2 == 0 ? "warn" : "info")}}","message":"m","service":"api"}"""));
        await Mirrors.CaughtUpAsync(sender);
        string[] range = ["--start", (now - 3_600_000).ToString(System.Globalization.CultureInfo.InvariantCulture), "--end", (now + 1_000).ToString(System.Globalization.CultureInfo.InvariantCulture)];

        var (exit, output) = await CliTests.Run(["compare", "--url", Mirrors.Url(sender), "--other", Mirrors.Url(receiver), .. range]);
        Assert.True(exit == 0, output);
        Assert.Matches(@"total +30 +30 +30 +0 +0 +yes", output);
        Assert.Matches(@"by_level +warn +15 +15 ", output);
        Assert.Contains("result: match", output, StringComparison.Ordinal);

        await Api.PostAsync(receiver, [$$"""{"id":"stray","timestamp":{{now}},"level":"warn","message":"m","service":"api"}"""]);
        (exit, output) = await CliTests.Run(["compare", "--url", Mirrors.Url(sender), .. range]); // the other end defaults to Mirror:Url
        Assert.True(exit == 1, output);
        Assert.Matches(@"total +30 +31 +30 +\+1 +0 +NO", output);
        Assert.Contains("result: MISMATCH", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.Run(["compare", "--url", Mirrors.Url(sender), "--other", $"http://127.0.0.1:{Mirrors.FreePort()}", .. range]);
        Assert.True(exit == 2, output);
        Assert.Contains("502", output, StringComparison.Ordinal);
    }
}
