using System.Buffers;

namespace Sluice.Cli.Ingest;

/// <summary>
/// Lines sent in one request: their bytes, the input line number of each event (to name refused ones), and where
/// the input stands after the batch — what the resume state records once the server has acknowledged it.
/// </summary>
internal sealed class IngestBatch(long sequence)
{
    public long Sequence { get; } = sequence;

    public ArrayBufferWriter<byte> Body { get; } = new(1 << 16);

    public List<long> LineNumbers { get; } = [];

    /// <summary>The last input line this batch covers (empty lines included).</summary>
    public long EndLine { get; set; }

    /// <summary>The decoded input's byte offset just past <see cref="EndLine"/>.</summary>
    public long EndOffset { get; set; }

    public int Events => LineNumbers.Count;
}

/// <summary>An input line the server (or the reader) refused, and why.</summary>
internal sealed record RefusedLine(long Line, string Reason);
