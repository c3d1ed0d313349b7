using System.Globalization;

namespace Sluice.Admission.Quotas;

/// <summary>What a quota counts separately: every event together, or one counter per value of something.</summary>
public enum QuotaScope
{
    Global,
    System,
    Trace,
    Domain,

    /// <summary>The API key the request presented (requests without one share a counter).</summary>
    ApiKey,

    /// <summary>The keyed hash of the sending client's address (the connection's, not the events' <c>ip_hash</c>).</summary>
    ClientIp,
}

public enum QuotaAction
{
    /// <summary>Refuse events past the limit: 429 with Retry-After, or a per-event rejection in a batch.</summary>
    Reject,

    /// <summary>Past the limit keep 1 in N events, N growing with the overload, each kept one carrying its weight.</summary>
    Sample,
}

/// <summary>
/// One quota: events of a scope (optionally only those whose scope value is <see cref="Match"/>) may pass
/// <see cref="Limit"/> times per fixed window of <see cref="Window"/>, aligned to the clock (an hour window runs
/// from :00 to :00). Written <c>scope[=value]:limit/window[:action]</c>, which is also its <see cref="Name"/>.
/// </summary>
public sealed record QuotaRule(QuotaScope Scope, string? Match, long Limit, TimeSpan Window, QuotaAction Action)
{
    public string Name { get; } = Format(Scope, Match, Limit, Window, Action);

    public long WindowMs => (long)Window.TotalMilliseconds;

    /// <summary>The scope as written in rules and metric labels.</summary>
    public string ScopeName => ScopeNames[(int)Scope];

    internal static readonly string[] ScopeNames = ["global", "system", "trace", "domain", "api_key", "ip"];

    /// <summary>Parses rules separated by <c>;</c>; each problem is added to <paramref name="errors"/> naming the rule.</summary>
    public static List<QuotaRule> ParseList(string text, List<string> errors)
    {
        var rules = new List<QuotaRule>();
        foreach (var item in text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParse(item, out var rule, out var error))
            {
                rules.Add(rule);
            }
            else
            {
                errors.Add($"Quotas:Rules: '{item}': {error}");
            }
        }

        return rules;
    }

    public static bool TryParse(string text, out QuotaRule rule, out string error)
    {
        rule = null!;
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3)
        {
            error = "expected scope[=value]:limit/window[:action], e.g. domain:1000/1h:sample";
            return false;
        }

        var scopeText = parts[0];
        string? match = null;
        var eq = scopeText.IndexOf('=');
        if (eq >= 0)
        {
            match = scopeText[(eq + 1)..].Trim();
            scopeText = scopeText[..eq].Trim();
            if (match.Length == 0)
            {
                error = "the value after '=' is empty";
                return false;
            }
        }

        var scopeIndex = Array.IndexOf(ScopeNames, scopeText.ToLowerInvariant());
        if (scopeIndex < 0)
        {
            error = $"unknown scope '{scopeText}'; use one of {string.Join(", ", ScopeNames)}";
            return false;
        }

        var scope = (QuotaScope)scopeIndex;
        if (scope == QuotaScope.Global && match is not null)
        {
            error = "the global scope takes no value";
            return false;
        }

        var slash = parts[1].IndexOf('/');
        if (slash < 0 || !long.TryParse(parts[1][..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            error = $"'{parts[1]}' is not limit/window with a limit of at least 1, e.g. 1000/1h";
            return false;
        }

        if (!TryParseWindow(parts[1][(slash + 1)..], out var window))
        {
            error = $"'{parts[1][(slash + 1)..]}' is not a window between 1s and 7d, e.g. 30s, 5m, 1h, 1d";
            return false;
        }

        var action = QuotaAction.Reject;
        if (parts.Length == 3)
        {
            switch (parts[2].ToLowerInvariant())
            {
                case "reject":
                    break;
                case "sample":
                    action = QuotaAction.Sample;
                    break;
                default:
                    error = $"unknown action '{parts[2]}'; use reject or sample";
                    return false;
            }
        }

        rule = new QuotaRule(scope, match, limit, window, action);
        error = "";
        return true;
    }

    private static bool TryParseWindow(string text, out TimeSpan window)
    {
        window = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        window = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return window >= TimeSpan.FromSeconds(1) && window <= TimeSpan.FromDays(7);
    }

    private static string Format(QuotaScope scope, string? match, long limit, TimeSpan window, QuotaAction action)
    {
        var w = window.TotalDays % 1 == 0 ? $"{window.TotalDays}d"
            : window.TotalHours % 1 == 0 ? $"{window.TotalHours}h"
            : window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes}m"
            : $"{window.TotalSeconds}s";
        return string.Create(CultureInfo.InvariantCulture, $"{ScopeNames[(int)scope]}{(match is null ? "" : "=" + match)}:{limit}/{w}:{(action == QuotaAction.Reject ? "reject" : "sample")}");
    }
}
