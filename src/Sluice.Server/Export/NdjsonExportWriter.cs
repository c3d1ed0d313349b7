using System.Buffers;
using System.Text.Json;
using Sluice.Query.Output;
using Sluice.Server.Http;

namespace Sluice.Server.Export;

/// <summary>One event per line, exactly as the search API shows it.</summary>
internal sealed class NdjsonExportWriter(Stream output) : IExportWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json = new(Stream.Null, JsonOutput.Options);

    public void Write(ReadOnlySpan<byte> row)
    {
        _json.Reset(_buffer);
        EventJsonWriter.Write(_json, row);
        _json.Flush();
        _buffer.Write("\n"u8);
    }

    public async Task FlushAsync(CancellationToken cancel)
    {
        await output.WriteAsync(_buffer.WrittenMemory, cancel);
        _buffer.ResetWrittenCount();
        await output.FlushAsync(cancel);
    }

    public Task CompleteAsync(CancellationToken cancel) => FlushAsync(cancel);

    public void Dispose() => _json.Dispose();
}
