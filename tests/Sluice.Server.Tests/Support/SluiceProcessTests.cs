namespace Sluice.Server.Tests.Support;

/// <summary>The harness that runs sluice as a process must only ever report its own child as ready.</summary>
public sealed class SluiceProcessTests
{
    /// <summary>
    /// A port from <see cref="SluiceProcess.FreePort"/> is free only when it is picked: before the child binds it,
    /// another test's server (an in-process one on port 0, in a parallel run) can take it. The child then fails to
    /// listen, and the other server must not be taken for it: the crash test once sent a whole round of acknowledged
    /// events to such a server and then found 25,075 of them "missing" from its own data directory.
    /// </summary>
    [Fact]
    public async Task A_child_that_cannot_listen_is_not_taken_for_the_server_holding_its_port()
    {
        await using var other = await TestServer.StartAsync();
        var dataDir = TestServer.NewDataDir();
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                using var child = await SluiceProcess.StartAsync(dataDir, other.Http.BaseAddress!.Port);
            });
            Assert.Contains("cannot listen", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Port_zero_lets_the_child_take_a_port_and_report_it()
    {
        var dataDir = TestServer.NewDataDir();
        try
        {
            using var child = await SluiceProcess.StartAsync(dataDir, SluiceProcess.AnyPort);
            Assert.NotEqual(0, child.Url.Port);
            using var http = new HttpClient { BaseAddress = child.Url };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("health/ready")).StatusCode);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
