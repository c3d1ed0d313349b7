namespace Sluice.Admission.Auth;

/// <summary>What a key may do (DESIGN §9). <see cref="Admin"/> grants everything.</summary>
[Flags]
public enum ApiScope
{
    None = 0,
    Ingest = 1,
    Read = 2,
    Admin = 4,
}

public static class ApiScopes
{
    public static bool Grants(this ApiScope held, ApiScope needed) => (held & ApiScope.Admin) != 0 || (held & needed) == needed;

    public static bool TryParse(string text, out ApiScope scope)
    {
        scope = ApiScope.None;
        foreach (var part in text.Split('+'))
        {
            switch (part.Trim())
            {
                case "ingest": scope |= ApiScope.Ingest; break;
                case "read": scope |= ApiScope.Read; break;
                case "admin": scope |= ApiScope.Admin; break;
                default: return false;
            }
        }

        return scope != ApiScope.None;
    }

    public static string Name(ApiScope scope) => string.Join('+', new[] { ApiScope.Ingest, ApiScope.Read, ApiScope.Admin }.Where(s => (scope & s) != 0).Select(s => s.ToString().ToLowerInvariant()));
}
