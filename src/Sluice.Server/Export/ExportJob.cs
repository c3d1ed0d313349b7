using System.Text.Json;

namespace Sluice.Server.Export;

/// <summary>The life of an export job: running, then done, failed or cancelled.</summary>
public enum ExportJobState
{
    Running,
    Done,
    Failed,
    Cancelled,
}

/// <summary>
/// One export running in the background into a file under <c>exports/jobs/</c>; its counts are updated after each
/// page, read by the status and progress endpoints.
/// </summary>
public sealed class ExportJob(string id, ExportRequest request, string path, long createdMs)
{
    private readonly CancellationTokenSource _cancel = new();
    private long _rows;
    private long _bytes;

    public string Id { get; } = id;

    public ExportRequest Request { get; } = request;

    public string Path { get; } = path;

    public long CreatedMs { get; } = createdMs;

    public ExportJobState State { get; private set; }

    public string? ErrorCode { get; private set; }

    public string? Error { get; private set; }

    public long FinishedMs { get; private set; }

    public long Rows => Interlocked.Read(ref _rows);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Changes with every update, so the progress stream writes only what is new.</summary>
    public int Version { get; private set; }

    /// <summary>The file's entity tag once done: its id and length, unchanged while the file is kept.</summary>
    public string ETag => $"\"{Id}-{Bytes}\"";

    public CancellationToken Cancellation => _cancel.Token;

    public bool IsFinished => State != ExportJobState.Running;

    internal void Progress(long rows, long bytes)
    {
        Interlocked.Exchange(ref _rows, rows);
        Interlocked.Exchange(ref _bytes, bytes);
        Version++;
    }

    internal void Finish(ExportJobState state, long nowMs, string? code = null, string? error = null)
    {
        (ErrorCode, Error, FinishedMs) = (code, error, nowMs);
        State = state;
        Version++;
    }

    internal void Cancel() => _cancel.Cancel();

    public void Write(Utf8JsonWriter json, long ttlMs)
    {
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("state", State.ToString().ToLowerInvariant());
        json.WriteString("format", ExportFormats.Extension(Request.Format));
        json.WriteNumber("rows", Rows);
        json.WriteNumber("bytes", Bytes);
        json.WriteNumber("created", CreatedMs);
        if (IsFinished)
        {
            json.WriteNumber("finished", FinishedMs);
            json.WriteNumber("expires", FinishedMs + ttlMs);
        }

        if (Error is not null)
        {
            json.WriteString("code", ErrorCode);
            json.WriteString("error", Error);
        }

        json.WriteEndObject();
    }
}
