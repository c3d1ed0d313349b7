using Microsoft.Extensions.Logging;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The live set of parts. One writer (the storage worker) publishes new manifests; any number of queries take a
/// <see cref="Lease"/> on the current one. A file that leaves the set (compacted, archived, dropped) is deleted
/// only once no lease taken before its removal is still open, so a running query never loses a file it listed.
/// </summary>
internal sealed class PartCatalog
{
    private readonly string _meta;
    private readonly PartRoots _roots;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<long, int> _leases = [];
    private readonly List<(long Version, string Path)> _retired = [];
    private Manifest _current;
    private long _version;

    public PartCatalog(string metaDirectory, PartRoots roots, ILogger logger)
    {
        _meta = metaDirectory;
        _roots = roots;
        _logger = logger;
        _current = Manifest.Load(metaDirectory, roots);
    }

    public PartRoots Roots => _roots;

    public Manifest Current => Volatile.Read(ref _current);

    /// <summary>Takes the current part set; the files it lists stay on disk until the lease is disposed.</summary>
    public Lease Acquire()
    {
        lock (_gate)
        {
            _leases[_version] = _leases.GetValueOrDefault(_version) + 1;
            return new Lease(this, _version, _current);
        }
    }

    /// <summary>Persists a new manifest, then makes it current; <paramref name="removedFiles"/> are deleted once no older lease is open.</summary>
    public void Publish(Manifest next, IEnumerable<string> removedFiles)
    {
        next.Save(_meta, _roots);
        lock (_gate)
        {
            _current = next;
            _version++;
            foreach (var path in removedFiles)
            {
                _retired.Add((_version, path));
            }
        }

        if (_retired.Count > 0)
        {
            CrashPoints.Reach(CrashPoints.RetiredBeforeDelete);
        }

        DeleteRetired();
    }

    /// <summary>True for a file that has left the manifest but may still be read by an open lease.</summary>
    public bool IsRetired(string path)
    {
        lock (_gate)
        {
            return _retired.Exists(r => r.Path == path);
        }
    }

    /// <summary>Deletes the retired files that no open lease can still read.</summary>
    public void DeleteRetired()
    {
        List<string> deletable = [];
        lock (_gate)
        {
            var oldestLease = _leases.Count == 0 ? long.MaxValue : _leases.Keys.Min();
            _retired.RemoveAll(r =>
            {
                if (oldestLease < r.Version)
                {
                    return false;
                }

                deletable.Add(r.Path);
                return true;
            });
        }

        foreach (var path in deletable)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException e)
            {
                // Left for the cleanup job, which deletes files no manifest lists.
                _logger.LogWarning(e, "Could not delete retired part file {Path}", path);
            }
        }
    }

    private void Release(long version)
    {
        bool retiredWaiting;
        lock (_gate)
        {
            if (--_leases[version] == 0)
            {
                _leases.Remove(version);
            }

            retiredWaiting = _retired.Count > 0;
        }

        if (retiredWaiting)
        {
            DeleteRetired();
        }
    }

    /// <summary>A query's view of the parts; dispose it when the query has finished reading them.</summary>
    public sealed class Lease(PartCatalog catalog, long version, Manifest manifest) : IDisposable
    {
        private int _disposed;

        public Manifest Manifest { get; } = manifest;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                catalog.Release(version);
            }
        }
    }
}
