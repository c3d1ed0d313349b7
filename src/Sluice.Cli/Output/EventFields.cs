using System.Text.Json;

namespace Sluice.Cli.Output;

/// <summary>Reading the fields every output shows from an event as the server writes it (docs/api.md, "Event JSON").</summary>
internal static class EventFields
{
    public static string Text(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) ? Text(value) : "";

    /// <summary>A value as text: strings as they are, null as empty, anything else as its JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };

    /// <summary>The event's time as the server wrote it (<c>time</c>, ISO-8601), else its epoch milliseconds.</summary>
    public static string Time(JsonElement item) => Text(item, "time") is { Length: > 0 } time ? time : Text(item, "timestamp");
}
