using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Core.Options;

namespace Sluice.Server.Ingest.Syslog;

/// <summary>
/// The open syslog TCP connections: at most <c>Syslog:MaxConnections</c> in all and
/// <c>Syslog:MaxConnectionsPerSender</c> per address, so one sender cannot hold every place; a connection idle for
/// <c>Syslog:IdleSeconds</c> is closed, and once nine tenths of the places are taken, one idle for
/// <c>Syslog:BusyIdleSeconds</c>, so idle connections cannot lock new senders out.
/// </summary>
public sealed class SyslogConnections(SyslogOptions options)
{
    private readonly Lock _lock = new();
    private readonly HashSet<Connection> _open = [];
    private readonly Dictionary<IPAddress, int> _perSender = [];
    private long _refused;
    private long _closedIdle;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Connections refused at accept: sender not allowed, or no place for it.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Connections closed for idling.</summary>
    public long ClosedIdle => Interlocked.Read(ref _closedIdle);

    /// <summary>How long a connection may idle now.</summary>
    public TimeSpan IdleLimit => TimeSpan.FromSeconds(Count * 10 >= options.MaxConnections * 9 ? options.BusyIdleSeconds : options.IdleSeconds);

    /// <summary>A place for a new connection from <paramref name="sender"/>, or null (then close it).</summary>
    public Connection? TryOpen(TcpClient client, IPAddress sender)
    {
        lock (_lock)
        {
            var held = _perSender.GetValueOrDefault(sender);
            if (_open.Count >= options.MaxConnections || held >= options.MaxConnectionsPerSender)
            {
                Interlocked.Increment(ref _refused);
                return null;
            }

            _perSender[sender] = held + 1;
            var connection = new Connection(this, client, sender);
            _open.Add(connection);
            return connection;
        }
    }

    public void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Closes every connection idle for longer than <see cref="IdleLimit"/>; its pending read then ends.</summary>
    public void CloseIdle()
    {
        var limit = Stopwatch.GetTimestamp() - (long)(IdleLimit.TotalSeconds * Stopwatch.Frequency);
        List<Connection> idle;
        lock (_lock)
        {
            idle = [.. _open.Where(c => !c.Storing && c.LastActivity < limit)];
        }

        foreach (var connection in idle)
        {
            Interlocked.Increment(ref _closedIdle);
            connection.Client.Dispose();
        }
    }

    private void Close(Connection connection)
    {
        lock (_lock)
        {
            if (!_open.Remove(connection))
            {
                return;
            }

            var held = _perSender[connection.Sender] - 1;
            if (held == 0)
            {
                _perSender.Remove(connection.Sender);
            }
            else
            {
                _perSender[connection.Sender] = held;
            }
        }
    }

    /// <summary>One open connection; dispose it when its sender is done.</summary>
    public sealed class Connection(SyslogConnections owner, TcpClient client, IPAddress sender) : IDisposable
    {
        private long _lastActivity = Stopwatch.GetTimestamp();

        public TcpClient Client => client;

        public IPAddress Sender => sender;

        private volatile bool _storing;

        /// <summary>When the sender last sent something (Stopwatch ticks).</summary>
        public long LastActivity => Volatile.Read(ref _lastActivity);

        /// <summary>Whether a batch of this connection is being stored: the connection is not read meanwhile (backpressure), which is not idling.</summary>
        public bool Storing
        {
            get => _storing;
            set
            {
                _storing = value;
                Touch();
            }
        }

        public void Touch() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

        public void Dispose()
        {
            owner.Close(this);
            client.Dispose();
        }
    }
}
