using System.Security.Cryptography.X509Certificates;

namespace Sluice.Server.Hosting;

/// <summary>The server's certificate for its TLS listeners (HTTPS, syslog over TLS); null: TLS is not configured.</summary>
public sealed record ServerTls(X509Certificate2? Certificate);
