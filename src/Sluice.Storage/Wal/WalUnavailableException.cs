namespace Sluice.Storage.Wal;

/// <summary>The WAL cannot take writes (stopped, or a write failed and could not be undone). Maps to 503.</summary>
public sealed class WalUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
