using Sluice.Core.Memory;
using Sluice.Core.Options;

namespace Sluice.Server.Ingest;

/// <summary>
/// The two ingest budgets (docs/design.md, "Memory budget"): <see cref="Requests"/> holds what requests hold while
/// they are read and translated — bodies, decompressed bodies, JSON documents, translations
/// (<c>Memory:MaxRequestMb</c>); <see cref="Unflushed"/> holds accepted events until the WAL has them — their rows
/// and admission's copy (<c>Memory:MaxUnflushedMb</c>, alias TRAFFIC_LOGS_MAX_MEMORY_MB).
/// </summary>
public sealed class IngestMemory(SluiceOptions options)
{
    public MemoryBudget Requests { get; } = new(options.Memory.MaxRequestMb * 1024L * 1024);

    public MemoryBudget Unflushed { get; } = new(options.Memory.MaxUnflushedMb * 1024L * 1024);
}
