namespace Sluice.Redis;

/// <summary>
/// Whether a part that keeps state in Redis (quotas, the duplicate window) works on the shared state now or on its
/// local fallback, since when and why; health and <c>/metrics</c> read it.
/// </summary>
internal sealed class SharedMode
{
    private readonly Lock _gate = new();
    private long _localSinceMs;
    private string? _reason;

    public bool IsShared => Volatile.Read(ref _localSinceMs) == 0;

    /// <summary>When the fallback began (Unix ms by the server's clock); null while shared.</summary>
    public long? LocalSinceMs => Volatile.Read(ref _localSinceMs) is var since and not 0 ? since : null;

    /// <summary>Why it fell back (an exception's type and message: never a connection string).</summary>
    public string? Reason
    {
        get
        {
            lock (_gate)
            {
                return _reason;
            }
        }
    }

    /// <summary>Times it fell back since start.</summary>
    public long Fallbacks { get; private set; }

    /// <summary>Falls back; true when this call made the change (it was shared).</summary>
    public bool EnterLocal(string reason, long nowMs)
    {
        lock (_gate)
        {
            if (_localSinceMs != 0)
            {
                return false;
            }

            _reason = reason;
            Fallbacks++;
            Volatile.Write(ref _localSinceMs, Math.Max(1, nowMs));
            return true;
        }
    }

    /// <summary>Back on the shared state; true when this call made the change.</summary>
    public bool EnterShared()
    {
        lock (_gate)
        {
            if (_localSinceMs == 0)
            {
                return false;
            }

            _reason = null;
            Volatile.Write(ref _localSinceMs, 0);
            return true;
        }
    }

    /// <summary>An exception's type and message, for health (StackExchange.Redis names the endpoint in them, never a password).</summary>
    public static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";
}
