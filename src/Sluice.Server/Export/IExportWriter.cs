namespace Sluice.Server.Export;

/// <summary>Writes exported rows (encoded as stored) in one file format; rows arrive oldest first.</summary>
internal interface IExportWriter : IDisposable
{
    /// <summary>Writes one row; the row's bytes are only valid during the call.</summary>
    void Write(ReadOnlySpan<byte> row);

    /// <summary>Hands what is buffered to the output (after each page, while no read scope is open).</summary>
    Task FlushAsync(CancellationToken cancel);

    /// <summary>Writes what the format needs at its end (Parquet's footer) and flushes.</summary>
    Task CompleteAsync(CancellationToken cancel);
}
