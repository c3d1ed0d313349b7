using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Migration;

/// <summary>
/// Dual write: the <c>mirror</c> sink forwards acknowledged events to another Sluice (or its protocol endpoints),
/// the share chosen by id, every event once however long the other end was away.
/// </summary>
public sealed class MirrorSinkTests
{
    private static IEnumerable<string> Mixed(long now, int logs, int traffic, string prefix = "") =>
        Enumerable.Range(0, logs).Select(i => i % 5 == 4
                // Some without an id of their own: the sender's id travels with them.
                ? $$"""{"timestamp":{{now - i}},"level":"warn","message":"no id {{prefix}}{{i}}","service":"svc{{i % 3}}"}"""
                : $$$"""{"id":"{{{prefix}}}l{{{i}}}","timestamp":{{{now - i}}},"level":"{{{(i % 3 == 0 ? "error" : "info")}}}","message":"élan {{{i}}} \"q\"","service":"svc{{{i % 3}}}","category":"c{{{i % 2}}}","trace_id":"t{{{i % 7}}}","priority":{{{1 + (i % 5)}}},"metadata":{"order":{{{i}}},"tags":["a","b"],"ok":true}}""")
            .Concat(Enumerable.Range(0, traffic).Select(i =>
                $$"""{"id":"{{prefix}}r{{i}}","kind":"traffic","timestamp":{{now - i}},"domain":"shop.example","path":"/p/{{i}}","method":"GET","status":{{(i % 2 == 0 ? 200 : 503)}},"decision":"{{(i % 4 == 0 ? "block" : "allow")}}","risk":{{i % 100}},"country":"NL","ip":"198.51.100.{{i % 9}}","gclid":"g{{i}}"}"""));

    [Fact]
    public async Task A_full_mirror_gives_the_receiver_every_event_with_the_senders_id_time_kind_and_fields()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Mixed(now, 60, 40));

        await Mirrors.CaughtUpAsync(sender);
        var sent = await Mirrors.EventsAsync(sender);
        var received = await Mirrors.EventsAsync(receiver);
        Assert.Equal(100, sent.Count);
        Assert.Equal(sent.Keys.Order(), received.Keys.Order());
        foreach (var (id, e) in sent)
        {
            Assert.Equal(Mirrors.Comparable(e), Mirrors.Comparable(received[id]));
        }

        // The receiver holds what the node stored: the hash of the address, never the address.
        var traffic = received.Values.Where(e => e.GetProperty("kind").GetString() == "traffic").ToList();
        Assert.Equal(40, traffic.Count);
        Assert.All(traffic, e => Assert.Matches("^[0-9a-f]{16}$", e.GetProperty("ip_hash").GetString()!));
        Assert.DoesNotContain(received.Values, e => e.GetRawText().Contains("198.51.100.", StringComparison.Ordinal));

        // An attribute named for an address holds the sender's hash; a Sluice receiver hashes it again with its own
        // key (design.md §13, "Migration"): still never the address.
        await Api.PostAsync(sender, [$$$"""{"id":"ip-attr","timestamp":{{{now}}},"message":"m","request":{"client_ip":"192.0.2.5"}}"""]);
        await Mirrors.CaughtUpAsync(sender);
        var there = await receiver.GetJsonAsync("/api/logs/ip-attr");
        var kept = there.GetProperty("attributes").GetProperty("request.client_ip").GetString()!;
        Assert.Matches("^[0-9a-f]{16}$", kept);
        Assert.DoesNotContain("192.0.2.5", there.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_half_mirror_forwards_exactly_the_events_whose_id_is_selected()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver), share: 0.5));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Mixed(now, 300, 200));

        await Mirrors.CaughtUpAsync(sender);
        var sent = await Mirrors.EventsAsync(sender);
        var expected = sent.Keys.Where(id => Mirrors.Selected(id, 0.5)).Order().ToList();
        var received = await Mirrors.EventsAsync(receiver);
        Assert.Equal(500, sent.Count);
        Assert.InRange(expected.Count, 200, 300); // about half: the hash spreads ids evenly
        Assert.Equal(expected, received.Keys.Order());
    }

    [Fact]
    public async Task A_receiver_that_was_away_gets_every_event_once_when_it_is_back()
    {
        var port = Mirrors.FreePort();
        Func<SluiceOptions, SluiceOptions> onPort = o => o with { Listen = $"127.0.0.1:{port}" };
        await using var receiver = await TestServer.StartAsync(onPort);
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, $"http://127.0.0.1:{port}"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Line(int i) => $$"""{"id":"k{{i}}","timestamp":{{now + i}},"message":"m{{i}}"}""";
        await Api.PostAsync(sender, Enumerable.Range(0, 100).Select(Line));
        await Mirrors.CaughtUpAsync(sender);

        await receiver.StopAsync();
        for (var i = 100; i < 400; i += 50)
        {
            await Api.PostAsync(sender, Enumerable.Range(i, 50).Select(Line)); // ingest goes on while the mirror cannot
        }

        // The mirror falls behind and says why, while every request above was acknowledged.
        await Mirrors.UntilAsync(async () => (await Mirrors.SinkAsync(sender)).GetProperty("details").GetProperty("failed_attempts").GetInt64() > 0);
        var sink = await Mirrors.SinkAsync(sender);
        Assert.True(sink.GetProperty("details").GetProperty("lag_events").GetInt64() > 0);
        Assert.Contains("unreachable", sink.GetProperty("details").GetProperty("last_error").GetString(), StringComparison.Ordinal);

        await receiver.RestartAsync(onPort);
        await Mirrors.CaughtUpAsync(sender);
        await Task.Delay(500); // nothing further may arrive
        var received = await Api.SearchAllAsync(receiver, "start_time=2000-01-01T00:00:00Z");
        Assert.Equal(400, received.Count);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => "k" + i).Order(), received.Select(Api.Id).Order());
    }

    [Fact]
    public async Task An_elasticsearch_mirror_reaches_a_second_sluices_bulk_endpoint_with_ids_times_and_levels()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver), protocol: MirrorProtocol.Elasticsearch));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Mixed(now, 30, 0));

        await Mirrors.CaughtUpAsync(sender);
        var sent = await Mirrors.EventsAsync(sender);
        var received = await Mirrors.EventsAsync(receiver);
        Assert.Equal(sent.Keys.Order(), received.Keys.Order()); // _id is the event id
        foreach (var (id, e) in sent)
        {
            var r = received[id];
            AssertSameFields(e, r, new[] { "timestamp", "level", "message", "service", "category", "trace_id" });
        }
    }

    [Fact]
    public async Task A_clef_mirror_reaches_a_second_sluices_seq_endpoint_with_times_levels_and_services()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver), protocol: MirrorProtocol.Clef));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Mixed(now, 30, 0));

        await Mirrors.CaughtUpAsync(sender);
        var sent = await Mirrors.EventsAsync(sender);
        var received = (await Mirrors.EventsAsync(receiver)).Values.ToList();
        Assert.Equal(30, received.Count);

        // CLEF has no event id a receiver keeps as one: the sender's travels as the property id, an attribute there.
        foreach (var r in received)
        {
            var e = sent[r.GetProperty("attributes").GetProperty("id").GetString()!];
            AssertSameFields(e, r, new[] { "timestamp", "level", "message", "service", "category", "trace_id" });
        }
    }

    [Fact]
    public async Task A_loki_mirror_reaches_a_second_sluices_push_endpoint_with_times_levels_and_services()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver), protocol: MirrorProtocol.Loki));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Mixed(now, 30, 0));

        await Mirrors.CaughtUpAsync(sender);
        var sent = await Mirrors.EventsAsync(sender);
        var received = (await Mirrors.EventsAsync(receiver)).Values.ToList();
        Assert.Equal(30, received.Count);

        // Loki has no event id: the sender's travels as structured metadata, an attribute on the receiver.
        foreach (var r in received)
        {
            var e = sent[r.GetProperty("attributes").GetProperty("id").GetString()!];
            AssertSameFields(e, r, new[] { "timestamp", "level", "message", "service", "trace_id" });
        }
    }

    /// <summary>The fields the sender stored and the receiver stored are equal, or absent on both.</summary>
    private static void AssertSameFields(JsonElement sent, JsonElement received, string[] fields)
    {
        foreach (var field in fields)
        {
            Assert.Equal(sent.TryGetProperty(field, out var a) ? a.ToString() : null, received.TryGetProperty(field, out var b) ? b.ToString() : null);
        }
    }
}
