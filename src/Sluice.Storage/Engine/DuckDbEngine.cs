using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Globalization;
using DuckDB.NET.Data;
using Sluice.Core.Options;

namespace Sluice.Storage.Engine;

/// <summary>
/// The embedded DuckDB database that reads the Parquet parts (queries) and rewrites them (compaction). It lives in
/// memory — the parts are its only data — with explicit thread and memory limits, because by default it takes
/// every core and 80 % of RAM outside the .NET heap (storage spike). Connections are pooled duplicates of one root.
/// Part footers are cached: parts are immutable and every rewrite has a new name, so a cached footer never goes stale.
/// </summary>
public sealed class DuckDbEngine : IDisposable
{
    private readonly DuckDBConnection _root;
    private readonly ConcurrentBag<DuckDBConnection> _idle = [];
    private readonly ConditionalWeakTable<DuckDBConnection, string> _keptViews = [];

    /// <param name="options">Thread and memory limits.</param>
    /// <param name="sandboxRoots">
    /// When given, the database may read files under these directories only, and nothing else outside itself —
    /// no other file, no network, no extension — and its configuration is locked so no statement can undo that.
    /// This is the engine user-written SQL runs on.
    /// </param>
    public DuckDbEngine(StorageOptions options, IReadOnlyList<string>? sandboxRoots = null)
    {
        _root = new DuckDBConnection("Data Source=:memory:");
        _root.Open();
        using var command = _root.CreateCommand();
        var sql = string.Create(CultureInfo.InvariantCulture,
            $"SET threads = {options.QueryThreads}; SET memory_limit = '{options.QueryMemoryMb}MB'; SET enable_progress_bar = false; SET parquet_metadata_cache = true;");
        if (sandboxRoots is not null)
        {
            var roots = sandboxRoots.Select(r => Literal(Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)) + Path.DirectorySeparatorChar));
            // TimeZone UTC: answers write TIMESTAMP WITH TIME ZONE as UTC ('Z').
            sql += $" SET TimeZone = 'UTC'; SET allowed_directories = [{string.Join(", ", roots)}]; SET enable_external_access = false; SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET lock_configuration = true;";
        }

        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Borrows a connection; dispose the handle to give it back.</summary>
    public Connection Rent()
    {
        if (!_idle.TryTake(out var connection))
        {
            connection = _root.Duplicate();
            connection.Open();
        }

        return new Connection(this, connection);
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }

        _root.Dispose();
    }

    /// <summary>A pooled connection.</summary>
    public readonly struct Connection(DuckDbEngine engine, DuckDBConnection connection) : IDisposable
    {
        /// <summary>A command with its positional values bound ($1, $2 … in order).</summary>
        public DuckDBCommand Command(string sql, IEnumerable<object>? values = null)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var value in values ?? [])
            {
                command.Parameters.Add(new DuckDBParameter(value));
            }

            return command;
        }

        /// <summary>An appender for a temporary table of this connection.</summary>
        public DuckDBAppender TempAppender(string table) => connection.CreateAppender("temp", "main", table);

        /// <summary>
        /// What the temporary views left on this connection were made of, for the next renter to reuse them; null
        /// when none were left. Whoever changes the views must clear it first.
        /// </summary>
        public string? KeptViews
        {
            get => engine._keptViews.TryGetValue(connection, out var key) ? key : null;
            set
            {
                if (value is null)
                {
                    engine._keptViews.Remove(connection);
                }
                else
                {
                    engine._keptViews.AddOrUpdate(connection, value);
                }
            }
        }

        public void Dispose() => engine._idle.Add(connection);
    }

    /// <summary>A SQL string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A list of Parquet files for <c>read_parquet</c>.</summary>
    public static string FileList(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(Literal)) + "]";
}
