using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Options;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

public sealed class SecretMaskingTests
{
    private const string AdminKey = "topsecret-admin-key-4242";

    /// <summary>A recognisable value for every secret setting, each valid so the server starts with it.</summary>
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["Privacy:IpHashKey"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("SECRET-ip-hash-key-0123456789")),
        ["Auth:ApiKeys"] = AdminKey + ":admin",
        ["Auth:ApiKeyHashes"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("SECRET-other-key"))) + ":read",
        ["Alerts:WebhookUrl"] = "https://hooks.example.test/services/SECRETWEBHOOKTOKEN",
        ["ClickHouse:Password"] = "SECRET-clickhouse-password",
        ["ClickHouse:ReadPassword"] = "SECRET-clickhouse-read-password",
        ["Mirror:ApiKey"] = "SECRET-mirror-key",
    };

    [Fact]
    public void Every_secret_setting_is_marked_once_and_masked_in_the_banner()
    {
        // Redis:Url is left out of the running server below (it would connect), and Tls:Password (it needs a
        // certificate; TlsTests checks it masked); their masking is the same list's.
        Assert.Equal(Secrets.Keys.Append("Redis:Url").Append("Tls:Password").Order(StringComparer.Ordinal), SecretSettings.All.Order(StringComparer.Ordinal));
        var options = new SluiceOptions { Redis = new RedisOptions { Url = "redis://:SECRET-redis@127.0.0.1:1" } };
        Assert.Contains("Redis:Url = ****", OptionsPrinter.Lines(options));
        Assert.All(SecretSettings.All, key => Assert.True(FlatSettings.TryCanonical(key, out _), $"{key} is not a setting"));
    }

    [Fact]
    public async Task No_secret_value_appears_in_the_banner_the_logs_or_the_settings_history_and_health_answers()
    {
        var dataDir = TestServer.NewDataDir();
        var environment = Secrets.ToDictionary(s => "SLUICE__" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        var server = await SluiceProcess.StartAsync(dataDir, SluiceProcess.AnyPort, environment);
        try
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
            using var change = new StringContent("""{"settings":{"Alerts:CooldownSeconds":42},"reason":"test"}""", Encoding.UTF8, "application/json");
            Assert.True((await http.PostAsync("/api/v1/config/settings", change)).IsSuccessStatusCode);
            var answers = new StringBuilder();
            foreach (var path in new[] { "/api/v1/config/settings", "/api/v1/config/history", "/api/v1/config/health", "/health/ready", "/api/admin/features" })
            {
                using var response = await http.GetAsync(path);
                Assert.True(response.IsSuccessStatusCode, path);
                answers.AppendLine(await response.Content.ReadAsStringAsync());
            }

            var settings = answers.ToString();
            Assert.Contains("\"Alerts:WebhookUrl\":{\"value\":\"****\"", settings, StringComparison.Ordinal);
            Assert.Contains("  Alerts:WebhookUrl = ****", server.Output);
            foreach (var (key, value) in Secrets)
            {
                var part = key == "Auth:ApiKeys" ? AdminKey : key == "Auth:ApiKeyHashes" ? value[..40] : value;
                Assert.False(settings.Contains(part, StringComparison.Ordinal), $"{key} appears in an answer");
                Assert.DoesNotContain(server.Output, line => line.Contains(part, StringComparison.Ordinal));
            }

            Assert.DoesNotContain(server.Output, line => line.Contains("SECRETWEBHOOKTOKEN", StringComparison.Ordinal));
        }
        finally
        {
            server.Dispose();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
