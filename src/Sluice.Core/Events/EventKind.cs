namespace Sluice.Core.Events;

/// <summary>What an event describes. The numeric values are written to disk (WAL rows): never renumber.</summary>
public enum EventKind : byte
{
    Log = 0,
    Traffic = 1,
}
