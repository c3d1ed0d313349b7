namespace Sluice.Core.Events;

/// <summary>Normalised severity. The numeric values are written to disk (WAL rows) and ordered: never renumber.</summary>
public enum EventLevel : byte
{
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Fatal = 5,
}
