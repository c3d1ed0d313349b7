namespace Sluice.Cli.Bench;

/// <summary>An NDJSON file cut into request bodies of a fixed number of lines, all held in memory before a clock starts.</summary>
internal static class NdjsonBatches
{
    /// <summary>Cuts the file into batches of whole lines, streaming it (files past 2 GB cannot be read in one call).</summary>
    public static List<(byte[] Body, int Events)> Load(string file, int batchSize)
    {
        var batches = new List<(byte[], int)>();
        var current = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
        var lines = 0;
        var block = new byte[1 << 20];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        int read;
        while ((read = stream.Read(block)) > 0)
        {
            var span = block.AsSpan(0, read);
            while (!span.IsEmpty)
            {
                var newline = span.IndexOf((byte)'\n');
                var take = newline < 0 ? span.Length : newline + 1;
                System.Buffers.BuffersExtensions.Write(current, span[..take]);
                span = span[take..];
                if (newline >= 0 && ++lines == batchSize)
                {
                    batches.Add((current.WrittenSpan.ToArray(), lines));
                    current.ResetWrittenCount();
                    lines = 0;
                }
            }
        }

        if (current.WrittenCount > 0)
        {
            batches.Add((current.WrittenSpan.ToArray(), lines + (current.WrittenSpan[^1] == (byte)'\n' ? 0 : 1)));
        }

        return batches;
    }
}
