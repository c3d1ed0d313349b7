using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;

namespace Sluice.Server.Export;

/// <summary>
/// The export jobs of this server: at most <c>Export:MaxConcurrentJobs</c> running, their files together at most
/// <c>Export:MaxJobsMb</c> (a job that would pass it fails with <c>export_space_full</c>), each finished job kept
/// <c>Export:JobTtlMinutes</c> and then deleted with its file. Jobs live in memory: a restart forgets them and
/// removes their files (the client starts the export again).
/// </summary>
public sealed class ExportJobs : IDisposable
{
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);
    private readonly SluiceOptions _options;
    private readonly IQueryEngine _engine;
    private readonly IClock _clock;
    private readonly ILogger<ExportJobs> _log;
    private readonly string _directory;
    private readonly Timer _sweeper;
    private readonly Lock _starting = new();

    public ExportJobs(SluiceOptions options, IQueryEngine engine, IClock clock, ILogger<ExportJobs> log)
    {
        (_options, _engine, _clock, _log) = (options, engine, clock, log);
        _directory = Path.Combine(ExportFiles.Directory(options.DataDir), "jobs");
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        Directory.CreateDirectory(_directory);
        ExportFiles.RemoveLeftovers(options.DataDir);
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public long TtlMs => _options.Export.JobTtlMinutes * 60_000L;

    private long MaxBytes => _options.Export.MaxJobsMb * 1024L * 1024;

    public ExportJob? Get(string id)
    {
        Sweep();
        return _jobs.TryGetValue(id, out var job) ? job : null;
    }

    /// <summary>Starts a job, or says why not: too many running (429) or no room on disk (507).</summary>
    public (ExportJob? Job, int Status, FieldError Error) Start(ExportRequest request)
    {
        Sweep();
        lock (_starting)
        {
            if (_jobs.Values.Count(j => !j.IsFinished) >= _options.Export.MaxConcurrentJobs)
            {
                return (null, 429, new FieldError(ErrorCodes.TooManyExports, null,
                    $"{_options.Export.MaxConcurrentJobs} export jobs are running (Export:MaxConcurrentJobs); wait for one to finish or delete it"));
            }

            if (TotalBytes() >= MaxBytes)
            {
                return (null, 507, SpaceFull());
            }

            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            var job = new ExportJob(id, request, Path.Combine(_directory, id + "." + ExportFormats.Extension(request.Format)), _clock.UnixMilliseconds);
            _jobs[id] = job;
            _ = Task.Run(() => RunAsync(job));
            return (job, 202, default);
        }
    }

    /// <summary>Cancels a running job or removes a finished one, with its file.</summary>
    public bool Remove(string id)
    {
        if (!_jobs.TryRemove(id, out var job))
        {
            return false;
        }

        job.Cancel();
        if (job.IsFinished)
        {
            File.Delete(job.Path);
        }

        return true;
    }

    private async Task RunAsync(ExportJob job)
    {
        try
        {
            var rows = 0L;
            if (job.Request.Format == ExportFormat.Parquet)
            {
                using var writer = new ParquetExportWriter(job.Path);
                rows = await ExportRunner.RunAsync(_engine, _options.Query, job.Request, writer, r => Note(job, r, new FileInfo(job.Path).Length), job.Cancellation);
            }
            else
            {
                await using var file = new FileStream(job.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
                using IExportWriter writer = job.Request.Format == ExportFormat.Csv ? new CsvExportWriter(file) : new NdjsonExportWriter(file);
                rows = await ExportRunner.RunAsync(_engine, _options.Query, job.Request, writer, r => Note(job, r, file.Length), job.Cancellation);
            }

            job.Progress(rows, new FileInfo(job.Path).Length);
            job.Finish(ExportJobState.Done, _clock.UnixMilliseconds);
        }
        catch (SpaceFullException)
        {
            job.Finish(ExportJobState.Failed, _clock.UnixMilliseconds, ErrorCodes.ExportSpaceFull, SpaceFull().Message);
            File.Delete(job.Path);
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            job.Finish(ExportJobState.Cancelled, _clock.UnixMilliseconds);
            File.Delete(job.Path);
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Export job {Job} failed", job.Id);
            job.Finish(ExportJobState.Failed, _clock.UnixMilliseconds, e is OperationCanceledException or DuckDB.NET.Data.DuckDBException ? ErrorCodes.QueryTimeout : ErrorCodes.Internal,
                "the export stopped: " + e.Message);
            File.Delete(job.Path);
        }

        if (!_jobs.ContainsKey(job.Id))
        {
            File.Delete(job.Path); // deleted while it ran
        }
    }

    /// <summary>After each page: the counts, and the disk bound checked while the file grows, not afterwards.</summary>
    private void Note(ExportJob job, long rows, long bytes)
    {
        job.Progress(rows, bytes);
        if (TotalBytes() > MaxBytes)
        {
            throw new SpaceFullException();
        }
    }

    /// <summary>Bytes of the files on disk: a failed or cancelled job's file is deleted already.</summary>
    private long TotalBytes() => _jobs.Values.Where(j => j.State is ExportJobState.Running or ExportJobState.Done).Sum(j => j.Bytes);

    private FieldError SpaceFull() => new(ErrorCodes.ExportSpaceFull, null,
        $"export files hold Export:MaxJobsMb ({_options.Export.MaxJobsMb} MiB); download and delete finished jobs, or wait for them to expire");

    /// <summary>Removes finished jobs older than the time to live, with their files.</summary>
    private void Sweep()
    {
        var now = _clock.UnixMilliseconds;
        foreach (var job in _jobs.Values.Where(j => j.IsFinished && now - j.FinishedMs >= TtlMs).ToList())
        {
            Remove(job.Id);
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var job in _jobs.Values)
        {
            job.Cancel();
        }
    }

    private sealed class SpaceFullException : Exception;
}
