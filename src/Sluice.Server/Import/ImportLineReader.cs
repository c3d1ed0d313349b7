using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Sluice.Core.Errors;

namespace Sluice.Server.Import;

/// <summary>
/// Splits a stream into lines as it arrives: memory holds one line at most <c>maxLineBytes</c> long (a longer line is
/// skipped to its end and reported by number), never the whole body. Blank lines are counted and skipped.
/// </summary>
internal static class ImportLineReader
{
    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream body, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancel)
    {
        var reader = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var line = 0L;
        var skipping = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancel);
                var buffer = result.Buffer;
                var found = new List<ImportRecord>();
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var text = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (skipping)
                    {
                        skipping = false;
                        continue;
                    }

                    line++;
                    if (Record(line, text, maxLineBytes) is { } record)
                    {
                        found.Add(record);
                    }
                }

                if (!skipping && buffer.Length > maxLineBytes)
                {
                    line++;
                    found.Add(new ImportRecord(line, null, TooLong(maxLineBytes)));
                    skipping = true;
                }

                if (skipping)
                {
                    buffer = buffer.Slice(buffer.End);
                }

                if (result.IsCompleted && !skipping && buffer.Length > 0)
                {
                    line++;
                    if (Record(line, buffer, maxLineBytes) is { } last)
                    {
                        found.Add(last);
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var record in found)
                {
                    yield return record;
                }

                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static ImportRecord? Record(long line, ReadOnlySequence<byte> text, int maxLineBytes)
    {
        if (text.Length > maxLineBytes)
        {
            return new ImportRecord(line, null, TooLong(maxLineBytes));
        }

        var bytes = text.ToArray().AsSpan().TrimEnd("\r"u8).Trim(" \t"u8).ToArray();
        return bytes.Length == 0 ? null : new ImportRecord(line, bytes);
    }

    private static FieldError TooLong(int max) => new(ErrorCodes.EventTooLarge, null, $"the line is longer than {max} bytes");
}
