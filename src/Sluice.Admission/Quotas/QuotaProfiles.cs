namespace Sluice.Admission.Quotas;

/// <summary>The rule sets shipped with Sluice, chosen by <c>SLUICE_QUOTA_PROFILE</c> (DESIGN §7).</summary>
public static class QuotaProfiles
{
    public static readonly string[] Names = ["none", "dev-logging", "traffic"];

    /// <summary>
    /// <c>dev-logging</c>: 1000 events an hour in all, shared browser 40 % / worker 30 % / backend 30 %, and 100 an
    /// hour per trace, refusing the rest. <c>traffic</c>: 10 batches of 100 per domain an hour kept whole, then
    /// sampling.
    /// </summary>
    public static bool TryGet(string name, out string rules)
    {
        rules = name.Trim().ToLowerInvariant() switch
        {
            "" or "none" => "",
            "dev-logging" => "global:1000/1h; system=browser:400/1h; system=worker:300/1h; system=backend:300/1h; trace:100/1h",
            "traffic" => "domain:1000/1h:sample",
            _ => null!,
        };
        return rules is not null;
    }

    /// <summary>The profile's rules followed by the extra ones; problems go to <paramref name="errors"/>.</summary>
    public static List<QuotaRule> Resolve(string profile, string extraRules, List<string> errors)
    {
        if (!TryGet(profile, out var rules))
        {
            errors.Add($"Quotas:Profile: unknown profile '{profile}'; use one of {string.Join(", ", Names)}");
            rules = "";
        }

        return [.. QuotaRule.ParseList(rules, errors), .. QuotaRule.ParseList(extraRules, errors)];
    }
}
