using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Options;
using Sluice.Server.Ingest.Syslog;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>
/// HTTPS and syslog over TLS (RFC 5425) with a certificate made here and written as PEM files, as an operator
/// would configure it. util-linux <c>logger</c> on Debian has no TLS transport, so syslog goes through SslStream.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-tls-").FullName;

    [Fact]
    public async Task Https_serves_ingest_and_search_to_a_client_that_trusts_exactly_the_configured_certificate()
    {
        var (certPath, keyPath) = WritePem("127.0.0.1");
        await using var server = await TestServer.StartAsync(o => o with { Tls = new TlsOptions { CertificatePath = certPath, KeyPath = keyPath } });

        Assert.Equal("https", server.Http.BaseAddress!.Scheme);
        var (status, body, response) = await server.PostAsync("/api/ingest", """{"message":"over https","service":"tls-http"}""");
        Assert.True(status == 200, body.ToString());
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
        var events = await Api.SearchAllAsync(server, "service=tls-http");
        Assert.Equal("over https", Assert.Single(events).GetProperty("message").GetString());

        // A client that does not trust the certificate is refused by its own TLS check.
        using var untrusting = new HttpClient { BaseAddress = server.Http.BaseAddress };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/health/ready"));
        Assert.IsType<AuthenticationException>(refused.InnerException);
    }

    [Fact]
    public async Task Syslog_over_tls_takes_octet_counted_messages_and_they_are_searchable()
    {
        var (certPath, keyPath) = WritePem("127.0.0.1");
        await using var server = await TestServer.StartAsync(o => o with
        {
            Tls = new TlsOptions { CertificatePath = certPath, KeyPath = keyPath },
            Syslog = o.Syslog with { TlsPort = 0 },
        });
        var port = server.App.Services.GetRequiredService<SyslogListener>().TlsPort!.Value;
        var trusted = X509CertificateLoader.LoadCertificateFromFile(certPath);

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", port);
            await using var ssl = new SslStream(tcp.GetStream(), false, (_, presented, _, errors) =>
                presented is not null && errors is (SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateChainErrors) && presented.GetCertHashString() == trusted.GetCertHashString());
            await ssl.AuthenticateAsClientAsync("127.0.0.1");
            var frames = new StringBuilder();
            for (var i = 0; i < 3; i++)
            {
                var message = $"<14>1 2026-01-02T03:04:05.000Z web-1 tls-app - - - message {i} over tls";
                frames.Append(Encoding.UTF8.GetByteCount(message)).Append(' ').Append(message); // RFC 5425 §4.3: MSG-LEN SP SYSLOG-MSG
            }

            await ssl.WriteAsync(Encoding.UTF8.GetBytes(frames.ToString()));
            await ssl.FlushAsync();
        }

        var events = await SeqClientTests.WaitForAsync(server, 3, "service=tls-app");
        Assert.Equal(["message 0 over tls", "message 1 over tls", "message 2 over tls"], events.Select(e => e.GetProperty("message").GetString()).Order());
        Assert.All(events, e => Assert.Equal("web-1", e.GetProperty("host").GetString()));
    }

    [Fact]
    public async Task A_missing_certificate_stops_the_server_at_start_with_one_line_naming_the_setting()
    {
        var config = Path.Combine(_dir, "sluice.json");
        var missing = Path.Combine(_dir, "missing.pem");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new { Tls = new { CertificatePath = missing }, Syslog = new { TlsPort = 0 } }));
        var (exit, output) = await CliTests.Run(new Dictionary<string, string>(), null, "serve", "--listen", "127.0.0.1:0", "--data", Path.Combine(_dir, "data"), "--config", config);
        Assert.Equal(2, exit);
        Assert.Contains($"sluice: invalid configuration: Tls:CertificatePath: no file at '{missing}'", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")), "nothing was started");
    }

    [Fact]
    public void A_key_of_another_certificate_stops_the_server_naming_both_settings()
    {
        var (certPath, _) = WritePem("127.0.0.1");
        var (_, otherKey) = WritePem("127.0.0.1", "other");
        var error = Assert.Throws<Sluice.Server.Configuration.OptionsException>(() =>
            Sluice.Server.Configuration.ServerCertificate.Load(new TlsOptions { CertificatePath = certPath, KeyPath = otherKey }));
        Assert.StartsWith("Tls:CertificatePath and Tls:KeyPath: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pkcs12_file_with_its_password_loads_and_the_password_is_never_printed()
    {
        var (certPath, keyPath) = WritePem("127.0.0.1");
        using (var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath))
        {
            File.WriteAllBytes(Path.Combine(_dir, "server.pfx"), pem.Export(X509ContentType.Pkcs12, "s3cret-pass"));
        }

        var tls = new TlsOptions { CertificatePath = Path.Combine(_dir, "server.pfx"), Password = "s3cret-pass" };
        using (var loaded = Sluice.Server.Configuration.ServerCertificate.Load(tls))
        {
            Assert.True(loaded!.HasPrivateKey);
        }

        var wrong = Assert.Throws<Sluice.Server.Configuration.OptionsException>(() => Sluice.Server.Configuration.ServerCertificate.Load(tls with { Password = "wrong" }));
        Assert.StartsWith("Tls:CertificatePath: ", wrong.Message, StringComparison.Ordinal);

        var printed = Sluice.Server.Configuration.OptionsPrinter.Lines(new SluiceOptions { Tls = tls }).ToList();
        Assert.Contains("Tls:Password = ****", printed);
        Assert.DoesNotContain(printed, line => line.Contains("s3cret-pass", StringComparison.Ordinal));
    }

    /// <summary>A self-signed certificate for <paramref name="host"/>, valid for a day, as cert.pem and key.pem.</summary>
    private (string Cert, string Key) WritePem(string host, string name = "server")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Parse(host));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var cert = Path.Combine(_dir, name + "-cert.pem");
        var keyFile = Path.Combine(_dir, name + "-key.pem");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (cert, keyFile);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
