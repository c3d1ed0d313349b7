using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.ClickHouse;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Output;
using Sluice.Query.Search;
using Sluice.Server.Endpoints;
using Sluice.Server.Tests.Support;
using Sluice.Storage;
using Sluice.Storage.Summaries;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// One node that holds a few thousand varied events hours old, sealed into its parts, and has shipped them to
/// ClickHouse: its embedded engine and a <see cref="ClickHouseQueryEngine"/> over the same events, side by side.
/// </summary>
public sealed class ClickHouseEngineFixture : IAsyncLifetime
{
    public const long Now = 1_767_268_800_000; // 2026-01-01T12:00:00Z
    public const long Base = Now - (6 * 3_600_000L);
    public const int Logs = 2_000;
    public const int Traffic = 1_000;

    private TestServer? _server;
    private ClickHouseStore? _store;

    public IQueryEngine Embedded { get; private set; } = null!;

    public ClickHouseQueryEngine ClickHouse { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (ClickHouseFactAttribute.Url is not { } url)
        {
            return;
        }

        var database = ClickHouseFactAttribute.NewDatabase();
        _server = await TestServer.StartAsync(o => ClickHouseSinkTests.Shipping(o, url, database), clock: new ManualClock(Now));
        await Api.PostAsync(_server, [.. Enumerable.Range(0, Logs).Select(LogLine)]);
        await Api.PostAsync(_server, [.. Enumerable.Range(0, Traffic).Select(TrafficLine)]);
        await _server.App.Services.GetRequiredService<EventStore>().FlushAsync();
        await _server.RestartAsync(o => ClickHouseSinkTests.Shipping(o, url, database)); // nothing left in memory: the embedded engine reads its parts

        var options = _server.App.Services.GetRequiredService<SluiceOptions>();
        // Any user will do for custom SQL here (the sandbox makes it read-only); the reader user may read only `sluice`.
        var clickHouse = options.ClickHouse with { ReadUser = options.ClickHouse.User, ReadPassword = options.ClickHouse.Password };
        _store = new ClickHouseStore(clickHouse, new Dependencies(options.Breakers), "equivalence");
        ClickHouse = new ClickHouseQueryEngine(_store, clickHouse, options.Query, _server.Clock!);
        Embedded = _server.App.Services.GetRequiredService<IQueryEngine>();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count() != Logs + Traffic)
        {
            Assert.True(DateTime.UtcNow < deadline, "the events did not reach ClickHouse");
            await Task.Delay(200);
        }
    }

    private long Count()
    {
        try
        {
            using var answer = ClickHouse.RunSql("SELECT count() AS n FROM events", false, CancellationToken.None);
            return (long)answer.Rows[0][0]!;
        }
        catch (QueryFailedException)
        {
            return -1; // the tables are made with the first batch
        }
    }

    public async Task DisposeAsync()
    {
        ClickHouse?.Dispose();
        _store?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Logs in pairs of equal timestamps (ties), five services, attributes some lack, 40 traces.</summary>
    private static string LogLine(int i)
    {
        string[] levels = ["debug", "info", "warn", "error"];
        var ts = Base + ((i / 2) * 8_000L);
        var plan = i % 3 == 0 ? ""","plan":"pro" """ : "";
        var category = i % 2 == 0 ? $""","category":"cat{i % 4}" """ : "";
        var text = i % 7 == 0 ? "Gateway TIMEOUT" : "request";
        return $$$"""{"id":"l{{{i}}}","timestamp":{{{ts}}},"level":"{{{levels[i % 4]}}}","message":"{{{text}}} {{{i}}} took {{{i % 97}}} ms","service":"svc{{{i % 5}}}","system":"sys{{{i % 3}}}"{{{category}}},"trace_id":"t{{{i % 40}}}","user_id":"u{{{i % 11}}}","priority":{{{1 + (i % 5)}}},"region":"{{{(i % 2 == 0 ? "eu" : "us")}}}","latency":"{{{(i * 37) % 250}}}"{{{plan}}}}""";
    }

    /// <summary>Traffic over three domains with statuses, decisions, countries, IPs, risk and ad clicks.</summary>
    private static string TrafficLine(int i)
    {
        string[] decisions = ["allow", "allow", "block", "challenge"];
        string[] countries = ["DE", "US", "FR", "BR", "JP"];
        return $$"""{"id":"r{{i}}","kind":"traffic","timestamp":{{Base + (i * 15_000L) + 3}},"domain":"d{{i % 3}}.example","path":"/p/{{i % 13}}","method":"{{(i % 4 == 0 ? "POST" : "GET")}}","status":{{(i % 9 == 0 ? 503 : i % 5 == 0 ? 404 : 200)}},"decision":"{{decisions[i % 4]}}","reason":"r{{i % 6}}","ip":"10.0.{{i % 5}}.{{i % 7}}","country":"{{countries[i % 5]}}","risk":{{i % 100}},"ad_click":{{(i % 4 == 0 ? "true" : "false")}},"trace_id":"t{{i % 40}}"}""";
    }

    /// <summary>Events as the API writes them.</summary>
    public static string Events(IEnumerable<EventRow> rows)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                EventJsonWriter.Write(json, row.Bytes.Span);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>An answer as the API writes it, without timings; numbers rounded to 9 significant digits (sums in another order).</summary>
    public static string Answer(QueryAnswer answer)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            AnalyticsOutput.WriteAnswer(json, answer, 0);
        }

        var root = JsonDocument.Parse(buffer.ToArray()).RootElement;
        var kept = new StringBuilder();
        foreach (var property in root.EnumerateObject().Where(p => p.Name is not ("elapsed_ms" or "timings")))
        {
            kept.Append(property.Name).Append('=').Append(Normalized(property.Value)).Append('\n');
        }

        return kept.ToString();
    }

    public static string Normalized(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble().ToString("G9", CultureInfo.InvariantCulture),
        JsonValueKind.Array => "[" + string.Join(",", value.EnumerateArray().Select(Normalized)) + "]",
        JsonValueKind.Object => "{" + string.Join(",", value.EnumerateObject().Select(p => $"{p.Name}:{Normalized(p.Value)}")) + "}",
        _ => value.GetRawText(),
    };

    public static string Summary(PartSummary summary) =>
        $"total={summary.Total} ips≈{summary.Ips.Estimate()}\n" + string.Join("\n", summary.Counts.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Key + ": " + string.Join(", ", c.Value.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"))));
}
