using System.Globalization;
using System.Text.Json;

namespace Sluice.Cli.Bench;

/// <summary>
/// The standard dataset of DESIGN §8: logs and traffic events, deterministic for a seed, with realistic skew —
/// 20 services, 50 domains, 500 paths, 60 countries, ~300 k client IPs, 200 message templates, ~20 events a trace.
/// Event i is a function of (seed, i) alone, so any slice can be regenerated.
/// </summary>
public sealed class StandardDataset
{
    public const int Services = 20, Domains = 50, Paths = 500, ClientIps = 300_000, TraceLength = 20;

    private static readonly string[] ServiceNames =
    [
        "auth", "billing", "catalog", "checkout", "search", "gateway", "inventory", "notifications", "orders", "payments",
        "profile", "recommendations", "reviews", "shipping", "cart", "media", "analytics", "fraud", "pricing", "sessions",
    ];

    private static readonly string[] Countries =
    [
        "US", "DE", "GB", "FR", "NL", "IN", "BR", "CA", "JP", "AU", "ES", "IT", "PL", "SE", "CH", "BE", "AT", "DK", "NO", "FI",
        "IE", "PT", "CZ", "RO", "HU", "GR", "TR", "RU", "UA", "IL", "AE", "SA", "EG", "ZA", "NG", "KE", "MA", "MX", "AR", "CL",
        "CO", "PE", "VE", "CN", "KR", "TW", "HK", "SG", "MY", "TH", "VN", "ID", "PH", "NZ", "PK", "BD", "LK", "IR", "IQ", "KZ",
    ];

    private static readonly string[] Subjects =
    [
        "User", "Session", "Order", "Payment", "Cache entry", "Upstream request", "Database query", "Background job", "Webhook", "Token",
    ];

    private static readonly string[] Actions =
    [
        "created in {0} ms", "updated after {0} retries", "failed: connection timeout after {0} ms", "completed with status {0}",
        "rejected: quota exceeded ({0} remaining)", "expired after {0} s", "not found (id {0})", "validated in {0} µs",
        "queued at position {0}", "retried {0} times", "slow: took {0} ms", "dropped: payload of {0} bytes too large",
        "served from cache (age {0} s)", "forwarded to shard {0}", "locked by worker {0}", "released after {0} ms",
        "deserialised {0} fields", "published to topic partition {0}", "throttled for {0} ms", "authorised for scope {0}",
    ];

    private static readonly string[] Decisions = ["allow", "block", "challenge"];
    private static readonly string[] Reasons = ["bot_signature", "rate_limit", "geo_block", "ip_reputation", "bad_referrer", "headless_browser", "datacenter_ip", "tor_exit"];
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"];
    private static readonly string[] Systems = ["backend", "backend", "browser", "worker"];
    private static readonly string[] Agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1", "curl/8.5.0", "Googlebot/2.1", "python-requests/2.32"];

    private readonly ulong _seed;
    private readonly long _startMs;
    private readonly long _spanMs;

    public StandardDataset(ulong seed, long startMs, long spanMs)
    {
        _seed = seed;
        _startMs = startMs;
        _spanMs = spanMs;
    }

    /// <summary>The first <paramref name="count"/> events as one NDJSON body (benchmarks of a single request).</summary>
    public byte[] NdjsonBody(int count)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            for (var i = 0; i < count; i++)
            {
                Write(json, i, count);
                json.Flush();
                stream.WriteByte((byte)'\n');
                json.Reset();
            }
        }

        return stream.ToArray();
    }

    public static string Domain(int i) => $"shop{i:D2}.example.com";

    public static string Path(int i) =>
        $"/{(i % 5) switch { 0 => "api/v1/products", 1 => "api/v1/cart", 2 => "checkout", 3 => "static/assets", _ => "account" }}/{i / 5}";

    public static string Template(int i) => Subjects[i % Subjects.Length] + " " + Actions[i / Subjects.Length % Actions.Length];

    public static string ClientIp(int i) => $"{(i >> 16) + 11}.{(i >> 8) & 255}.{i & 255}.{(i * 7) & 255}";

    /// <summary>Writes event <paramref name="index"/> of the total <paramref name="count"/> as one JSON object.</summary>
    public void Write(Utf8JsonWriter json, long index, long count)
    {
        var random = new SplitMix64(_seed ^ ((ulong)index * 0xD1B54A32D192ED03UL));
        var timestamp = _startMs + (long)((double)index / Math.Max(count, 1) * _spanMs) + random.Below(1000);
        var trace = (index + random.Below(TraceLength)) / TraceLength;
        var traceId = Hex(new SplitMix64(_seed ^ ((ulong)trace << 20)).Next(), 32);

        json.WriteStartObject();
        json.WriteNumber("timestamp", timestamp);
        json.WriteString("trace_id", traceId);
        json.WriteString("span_id", Hex(random.Next(), 16));
        if (random.Below(100) < 45)
        {
            WriteTraffic(json, ref random);
        }
        else
        {
            WriteLog(json, ref random, trace);
        }

        json.WriteEndObject();
    }

    private static void WriteLog(Utf8JsonWriter json, ref SplitMix64 random, long trace)
    {
        var service = ServiceNames[(int)(trace % Services + random.Below(2)) % Services];
        var roll = random.Below(100);
        var level = roll < 10 ? "debug" : roll < 80 ? "info" : roll < 92 ? "warn" : roll < 99 ? "error" : "fatal";
        var template = random.Zipf(200);
        var value = random.Below(5000).ToString(CultureInfo.InvariantCulture);
        json.WriteString("level", level);
        json.WriteString("service", service);
        json.WriteString("system", Systems[random.Below(Systems.Length)]);
        json.WriteString("host", $"{service}-{random.Below(4)}");
        json.WriteString("message", string.Format(CultureInfo.InvariantCulture, Template(template), value));
        json.WriteString("category", template % 3 == 0 ? "audit" : "app");
        if (random.Below(3) == 0)
        {
            json.WriteString("user_id", "u" + random.Zipf(50_000).ToString(CultureInfo.InvariantCulture));
        }

        if (level is "error" or "fatal")
        {
            json.WriteString("stack_trace", $"System.TimeoutException: {Template(template)}\n   at Shop.{service}.Handler.Run()");
        }

        json.WriteStartObject("metadata");
        json.WriteString("region", random.Below(3) switch { 0 => "eu-west", 1 => "us-east", _ => "ap-south" });
        json.WriteNumber("build", 1000 + random.Below(20));
        json.WriteEndObject();
    }

    private static void WriteTraffic(Utf8JsonWriter json, ref SplitMix64 random)
    {
        var domain = random.Zipf(Domains);
        var path = random.Zipf(Paths);
        var roll = random.Below(100);
        var decision = Decisions[roll < 85 ? 0 : roll < 95 ? 1 : 2];
        json.WriteString("kind", "traffic");
        json.WriteString("domain", Domain(domain));
        json.WriteString("path", Path(path));
        json.WriteString("method", Methods[random.Below(Methods.Length)]);
        json.WriteNumber("status", decision == "block" ? 403 : random.Below(100) < 95 ? 200 : 500 + random.Below(4));
        json.WriteString("ip", ClientIp(random.Zipf(ClientIps)));
        json.WriteString("country", Countries[random.Zipf(Countries.Length)]);
        json.WriteString("decision", decision);
        if (decision != "allow")
        {
            json.WriteString("reason", Reasons[random.Zipf(Reasons.Length)]);
        }

        json.WriteNumber("risk", decision == "allow" ? random.Below(40) : 40 + random.Below(61));
        json.WriteString("user_agent", Agents[random.Zipf(Agents.Length)]);
        if (random.Below(100) < 3)
        {
            json.WriteString("gclid", Hex(random.Next(), 16));
        }
    }

    private static string Hex(ulong value, int length)
    {
        Span<char> chars = stackalloc char[32];
        var v = value;
        for (var i = 0; i < length; i++)
        {
            if (i == 16)
            {
                v = value * 0xC2B2AE3D27D4EB4FUL;
            }

            chars[i] = "0123456789abcdef"[(int)(v & 15)];
            v >>= 4;
        }

        return new string(chars[..length]);
    }
}
