using System.Text.Json;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// The random events the stored-detail suites compare against the engine: logs (level, service, system, category)
/// and traffic (domain, country, decision, reason, now and then a service), some fields missing, from 2026-01-01T05:00Z.
/// </summary>
public static class FourHourEvents
{
    public const long Start = 1_767_243_600_000; // 2026-01-01T05:00:00Z
    public const long Hour = 3_600_000;

    /// <summary>
    /// Posts the lines as the suites need them: a third sealed, a third sealed later (a second part per hour until
    /// compaction), a third left in memory.
    /// </summary>
    public static async Task LoadInThirdsAsync(TestServer server, IReadOnlyList<string> lines)
    {
        await Api.PostAsync(server, lines.Where((_, i) => i % 3 == 0));
        await Api.FlushAsync(server);
        await Api.PostAsync(server, lines.Where((_, i) => i % 3 == 1));
        await Api.FlushAsync(server);
        await Api.PostAsync(server, lines.Where((_, i) => i % 3 == 2));
    }

    public static List<string> Generate(Random random, int count, long from, long span)
    {
        string[] levels = ["debug", "info", "info", "info", "warn", "error", "fatal"];
        string[] services = ["auth", "billing", "cart", "Äpfel", "zeta"];
        string[] countries = ["DE", "US", "FR", "BR", "IN"];
        string[] decisions = ["allow", "allow", "allow", "block", "block", "challenge"];
        string[] reasons = ["bot", "rate", "geo"];
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var ts = from + random.NextInt64(span);
            var fields = new Dictionary<string, object?> { ["timestamp"] = ts, ["level"] = levels[random.Next(levels.Length)], ["message"] = "event " + i };
            if (random.Next(5) < 2)
            {
                var decision = decisions[random.Next(decisions.Length)];
                fields["kind"] = "traffic";
                fields["domain"] = $"shop{random.Next(8)}.example";
                fields["country"] = countries[random.Next(countries.Length)];
                fields["decision"] = random.Next(20) == 0 ? null : decision;
                fields["reason"] = decision == "allow" || random.Next(4) == 0 ? null : reasons[random.Next(reasons.Length)];
                fields["service"] = random.Next(6) == 0 ? services[random.Next(services.Length)] : null;
            }
            else
            {
                fields["service"] = random.Next(15) == 0 ? null : services[random.Next(services.Length)];
                fields["system"] = random.Next(3) == 0 ? "worker" : "backend";
                fields["category"] = random.Next(2) == 0 ? "audit" : "app";
            }

            lines.Add(JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary()));
        }

        return lines;
    }
}
