namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// The frames between the server and a SQL worker over the worker's standard input and output. A request is the
/// statement, its limits, the part paths with their kinds and then the unsealed rows streamed one by one (length, bytes, seq; a zero
/// length ends them), so neither side holds them all at once; the reply carries the rendered answer or the error.
/// </summary>
internal static class SqlWorkerProtocol
{
    private const int Magic = 0x53514C31; // "SQL1"

    public static void WriteRequest(BinaryWriter writer, SqlWorkerRequest request, IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> rows)
    {
        writer.Write(Magic);
        writer.Write(request.Sql);
        writer.Write(request.MaxRows);
        writer.Write(request.MaxAnswerBytes);
        writer.Write(request.Parts.Count);
        foreach (var part in request.Parts)
        {
            writer.Write(part.Path);
            writer.Write((byte)part.Kind);
        }

        writer.Write(request.HotColumns.Length);
        foreach (var column in request.HotColumns)
        {
            writer.Write(column);
        }

        foreach (var (row, seq) in rows)
        {
            writer.Write(row.Length);
            writer.Write(row.Span);
            writer.Write(seq);
        }

        writer.Write(0);
        writer.Flush();
    }

    /// <summary>The next request, or null at the end of the input. Its rows must be read (<see cref="ReadRows"/>) before the next one.</summary>
    public static SqlWorkerRequest? ReadRequest(BinaryReader reader)
    {
        int magic;
        try
        {
            magic = reader.ReadInt32();
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        if (magic != Magic)
        {
            throw new InvalidDataException("the SQL worker's input is out of step");
        }

        var sql = reader.ReadString();
        var maxRows = reader.ReadInt32();
        var maxBytes = reader.ReadInt64();
        var parts = new ViewPart[reader.ReadInt32()];
        for (var i = 0; i < parts.Length; i++)
        {
            var path = reader.ReadString();
            var kind = (Sluice.Core.Events.EventKind)reader.ReadByte();
            parts[i] = Enum.IsDefined(kind) ? new ViewPart(path, kind) : throw new InvalidDataException("the SQL worker's input is out of step");
        }

        var columns = new bool[reader.ReadInt32()];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = reader.ReadBoolean();
        }

        return new SqlWorkerRequest(sql, parts, columns, maxRows, maxBytes);
    }

    /// <summary>The request's rows, each valid until the next is read (one buffer is reused).</summary>
    public static IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> ReadRows(BinaryReader reader)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var length = reader.ReadInt32();
            if (length == 0)
            {
                yield break;
            }

            if (length < 0 || length > Sluice.Core.Events.RowLayout.MaxRowBytes)
            {
                throw new InvalidDataException("the SQL worker's input is out of step");
            }

            if (length > buffer.Length)
            {
                buffer = new byte[Math.Max(length, 2 * buffer.Length)];
            }

            reader.BaseStream.ReadExactly(buffer, 0, length);
            yield return (buffer.AsMemory(0, length), reader.ReadInt64());
        }
    }

    public static void WriteReply(BinaryWriter writer, SqlWorkerReply reply)
    {
        writer.Write((byte)reply.Status);
        writer.Write(reply.Message);
        writer.Write(reply.ColumnsJson.Length);
        writer.Write(reply.ColumnsJson);
        writer.Write(reply.RowsJson.Length);
        writer.Write(reply.RowsJson);
        writer.Write(reply.RowCount);
        writer.Write((byte)reply.Truncated);
        writer.Write(reply.PrepareMs);
        writer.Write(reply.EngineMs);
        writer.Flush();
    }

    public static SqlWorkerReply ReadReply(BinaryReader reader)
    {
        var status = (SqlWorkerStatus)reader.ReadByte();
        var message = reader.ReadString();
        var columns = reader.ReadBytes(reader.ReadInt32());
        var rows = reader.ReadBytes(reader.ReadInt32());
        return new SqlWorkerReply(status, message, columns, rows, reader.ReadInt32(), (TruncatedBy)reader.ReadByte(), reader.ReadDouble(), reader.ReadDouble());
    }
}
