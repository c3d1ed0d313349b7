using Sluice.Core.Errors;
using Sluice.Query.Language;

namespace Sluice.Analysis;

/// <summary>Parses the filter of a monitor or an alert rule: query language, no pipes, no time terms (the rule owns its window).</summary>
internal static class QueryText
{
    public static FieldError? ParseFilter(string text, string field, out Filter? filter)
    {
        filter = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4096)
        {
            return new FieldError(ErrorCodes.InvalidQuery, field, $"'{field}' must be a query of 1..4096 characters");
        }

        try
        {
            var parsed = QueryParser.Parse(text);
            if (parsed.Pipes.Count > 0)
            {
                return new FieldError(ErrorCodes.InvalidQuery, field, $"'{field}' must be a filter without pipes");
            }

            if (HasTime(parsed.Filter))
            {
                return new FieldError(ErrorCodes.InvalidQuery, field, $"'{field}' must not name a time range (_time): the window is set apart");
            }

            filter = parsed.Filter;
            return filter is null ? new FieldError(ErrorCodes.InvalidQuery, field, $"'{field}' must filter something (e.g. kind:traffic)") : null;
        }
        catch (QueryException e)
        {
            return new FieldError(ErrorCodes.InvalidQuery, field, $"'{field}' {e.Message}") { Position = e.Position };
        }
    }

    private static bool HasTime(Filter? filter) => filter switch
    {
        TimeFilter => true,
        AndFilter a => HasTime(a.Left) || HasTime(a.Right),
        OrFilter o => HasTime(o.Left) || HasTime(o.Right),
        NotFilter n => HasTime(n.Inner),
        _ => false,
    };
}
