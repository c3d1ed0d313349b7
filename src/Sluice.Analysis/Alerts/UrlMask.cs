namespace Sluice.Analysis.Alerts;

/// <summary>Webhook URLs often carry a token in the path or query: answers and logs show scheme, host and port only.</summary>
internal static class UrlMask
{
    public static string Mask(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}/…" : "…";
}
