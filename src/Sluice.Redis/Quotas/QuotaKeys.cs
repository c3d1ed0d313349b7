using System.Globalization;
using Sluice.Admission.Quotas;

namespace Sluice.Redis.Quotas;

/// <summary>
/// The names of the shared quota keys (behind <c>Redis:KeyPrefix</c>): <c>quota:{rule}:{window}:{scope hash}</c>
/// per counter — the rule as written (<c>system=browser:400/1h:reject</c>), so nodes with the same rule share it
/// and a changed rule starts afresh; the window's index (Unix ms / window length); the scope value's 64-bit hash —
/// and <c>quota:epoch</c>, which says which data the counters hold.
/// </summary>
internal static class QuotaKeys
{
    public const string Epoch = "quota:epoch";

    public static string Counter(QuotaRule rule, long window, ulong key) =>
        string.Create(CultureInfo.InvariantCulture, $"quota:{rule.Name}:{window}:{key:x16}");

    /// <summary>Milliseconds from <paramref name="nowMs"/> to the window's end, plus <see cref="QuotaCountCall.SlackMs"/>.</summary>
    public static long LifetimeMs(QuotaRule rule, long window, long nowMs) =>
        Math.Max(1, ((window + 1) * rule.WindowMs) - nowMs + QuotaCountCall.SlackMs);
}
