namespace Sluice.Server.Tests.Support;

/// <summary>
/// One server per read-only suite (<c>IClassFixture</c>) holding 3,000 <see cref="FourHourEvents"/> over four hours,
/// loaded in thirds: xUnit would otherwise start a server and load the events again for every case.
/// </summary>
public sealed class FourHourEventsServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        await FourHourEvents.LoadInThirdsAsync(Server, FourHourEvents.Generate(new Random(41), 3000, FourHourEvents.Start, 4 * FourHourEvents.Hour));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
