using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Analysis;

/// <summary>
/// How monitors and alert rules read and write JSON, in API bodies and state files alike: snake_case names, enums
/// by name, and an unknown property is an error (a misspelt setting must not be silently ignored).
/// </summary>
internal static class AnalysisJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // A null where the type says never ("name": null) is the client's error, answered 400 naming the field.
        RespectNullableAnnotations = true,

        // Figures are finite where they are made; should one slip through, state must still be written.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
