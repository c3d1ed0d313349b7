using Sluice.Core.Memory;
using Sluice.Core.Options;

namespace Sluice.Server.Ingest;

/// <summary>
/// The ingest budget (<c>Memory:MaxUnflushedMb</c>, alias TRAFFIC_LOGS_MAX_MEMORY_MB): every request's body,
/// translation and rows, from the first byte read until the WAL has them (docs/design.md, "Memory budget").
/// </summary>
public sealed class IngestMemory(SluiceOptions options)
{
    public MemoryBudget Budget { get; } = new(options.Memory.MaxUnflushedMb * 1024L * 1024);
}
