using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>
/// Loads the certificate of <see cref="TlsOptions"/> (HTTPS and syslog over TLS). Anything that would make TLS fail
/// later — a missing file, a file that is not a certificate, no private key, a key of another certificate, an expired
/// certificate — is an <see cref="OptionsException"/> naming the setting, so the server stops at start, not at the
/// first handshake.
/// </summary>
public static class ServerCertificate
{
    /// <summary>The certificate with its private key, or null when TLS is not configured.</summary>
    public static X509Certificate2? Load(TlsOptions tls)
    {
        if (tls.CertificatePath.Length == 0)
        {
            return null;
        }

        Require(tls.CertificatePath, "Tls:CertificatePath");
        if (tls.KeyPath.Length > 0)
        {
            Require(tls.KeyPath, "Tls:KeyPath");
        }

        X509Certificate2 certificate;
        bool pem;
        try
        {
            pem = IsPem(tls.CertificatePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsException($"Tls:CertificatePath: cannot read '{tls.CertificatePath}': {e.Message}");
        }

        try
        {
            var key = tls.KeyPath.Length > 0 ? tls.KeyPath : null;
            certificate = !pem ? X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.Password, X509KeyStorageFlags.EphemeralKeySet)
                : tls.Password.Length > 0 ? X509Certificate2.CreateFromEncryptedPemFile(tls.CertificatePath, tls.Password, key)
                : X509Certificate2.CreateFromPemFile(tls.CertificatePath, key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            var setting = pem && tls.KeyPath.Length > 0 ? "Tls:CertificatePath and Tls:KeyPath" : "Tls:CertificatePath";
            throw new OptionsException($"{setting}: '{tls.CertificatePath}' cannot be used as the server certificate ({(pem ? "PEM" : "PKCS#12")}): {e.Message.TrimEnd('.')}"
                + (tls.Password.Length == 0 && e is CryptographicException ? " (an encrypted key or a PKCS#12 file needs Tls:Password)" : ""));
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new OptionsException($"Tls:KeyPath: the certificate '{tls.CertificatePath}' has no private key; name its PEM key in Tls:KeyPath");
        }

        if (certificate.NotAfter < DateTime.Now)
        {
            var expired = certificate.NotAfter;
            certificate.Dispose();
            throw new OptionsException($"Tls:CertificatePath: the certificate '{tls.CertificatePath}' expired on {expired:yyyy-MM-dd HH:mm}");
        }

        return certificate;
    }

    private static void Require(string path, string setting)
    {
        if (!File.Exists(path))
        {
            throw new OptionsException($"{setting}: no file at '{path}'");
        }
    }

    /// <summary>PEM files are text starting with a "-----BEGIN" line (maybe after comments); PKCS#12 is binary DER.</summary>
    private static bool IsPem(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[Math.Min(4096, (int)Math.Min(int.MaxValue, file.Length))];
        file.ReadExactly(head);
        return System.Text.Encoding.ASCII.GetString(head).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
