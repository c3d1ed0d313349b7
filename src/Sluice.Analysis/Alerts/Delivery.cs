namespace Sluice.Analysis.Alerts;

/// <summary>
/// One notification owed to one channel, kept in the outbox until the receiver acknowledges it (a 2xx) or refuses
/// it for good (a 4xx other than 408/429). <see cref="Seq"/> orders deliveries per channel.
/// </summary>
internal sealed record Delivery(long Seq, string Id, ChannelKind Type, string Url, Notification Notification, long CreatedMs)
{
    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
