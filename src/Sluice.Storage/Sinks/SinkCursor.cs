using System.Text.Json;
using Sluice.Core.IO;

namespace Sluice.Storage.Sinks;

/// <summary>
/// Where a sink has got to, kept in <c>meta/sinks/NAME.cursor</c> (JSON, replaced atomically): the last event it
/// holds and how many events it has lost to a WAL trimmed past it. A missing file is a new sink, which starts at
/// the oldest event the WAL still holds.
/// </summary>
internal sealed class SinkCursor(string path)
{
    public long DeliveredThroughSeq { get; set; }

    public long LostEvents { get; set; }

    /// <summary>No cursor was saved for this sink yet.</summary>
    public bool IsNew { get; private set; }

    public static SinkCursor Load(string directory, string name)
    {
        var cursor = new SinkCursor(Path.Combine(directory, name + ".cursor"));
        if (!File.Exists(cursor._path))
        {
            cursor.IsNew = true;
            return cursor;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(cursor._path));
        cursor.DeliveredThroughSeq = json.RootElement.GetProperty("delivered_through_seq").GetInt64();
        cursor.LostEvents = json.RootElement.TryGetProperty("lost_events", out var lost) ? lost.GetInt64() : 0;
        return cursor;
    }

    private readonly string _path = path;

    public void Save()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("delivered_through_seq", DeliveredThroughSeq);
            json.WriteNumber("lost_events", LostEvents);
            json.WriteEndObject();
        }

        AtomicFile.Write(_path, buffer.WrittenSpan);
    }
}
