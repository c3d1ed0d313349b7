using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Query.Output;

/// <summary>One value of a query answer as JSON, by its .NET type as the engine's reader returned it.</summary>
public static class ValueJsonWriter
{
    /// <summary>Writes <paramref name="value"/>; with <paramref name="isTime"/>, epoch milliseconds become ISO-8601.</summary>
    public static void Write(Utf8JsonWriter json, object? value, bool isTime = false)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case long ms when isTime:
                json.WriteStringValue(Timestamps.ToIso(ms));
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case double d:
                if (double.IsFinite(d))
                {
                    json.WriteNumberValue(d);
                }
                else
                {
                    json.WriteNullValue();
                }

                break;
            case float f:
                Write(json, (double)f);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            case BigInteger big:
                json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case DateTime time:
                json.WriteStringValue(DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset offset:
                json.WriteStringValue(offset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    json.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(json, entry.Value);
                }

                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    Write(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
