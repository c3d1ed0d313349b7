using System.Text.Json;
using Sluice.Core.Errors;

namespace Sluice.Server.Import;

/// <summary>What an import did, line by line counted: stored now, found stored already, refused (the first ones listed).</summary>
internal sealed class ImportReport
{
    /// <summary>Most refusals listed one by one; the count goes on past it.</summary>
    public const int MaxListed = 100;

    public long Lines { get; set; }

    public long Stored { get; set; }

    public long AlreadyPresent { get; set; }

    public long Refused { get; private set; }

    public List<(long Line, FieldError Error)> Refusals { get; } = [];

    public void Refuse(long line, FieldError error)
    {
        Refused++;
        if (Refusals.Count < MaxListed)
        {
            Refusals.Add((line, error));
        }
    }

    public void Write(Utf8JsonWriter json)
    {
        json.WriteNumber("lines", Lines);
        json.WriteNumber("stored", Stored);
        json.WriteNumber("already_present", AlreadyPresent);
        json.WriteNumber("refused", Refused);
        json.WriteStartArray("refusals");
        foreach (var (line, error) in Refusals.OrderBy(r => r.Line))
        {
            json.WriteStartObject();
            json.WriteNumber("line", line);
            json.WriteString("code", error.Code);
            if (error.Field is { } field)
            {
                json.WriteString("field", field);
            }
            else
            {
                json.WriteNull("field");
            }

            json.WriteString("message", error.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("refusals_truncated", Refused > Refusals.Count);
    }
}
