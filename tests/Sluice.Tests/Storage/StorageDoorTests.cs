using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using Sluice.Storage;

namespace Sluice.Tests.Storage;

/// <summary>
/// The storage door (DESIGN §6, "The door"): Sluice.Storage makes public exactly the types listed here and in the
/// design, and no other Sluice assembly reaches past them. A new public type fails these tests until it is added to
/// both lists on purpose.
/// </summary>
public sealed class StorageDoorTests
{
    /// <summary>Every public type of Sluice.Storage, by side of the door.</summary>
    private static readonly string[] Door =
    [
        // The door itself: write (reserve, append), read (snapshot), operate (recover, flush, cleanup, stats).
        "Sluice.Storage.EventStore",
        "Sluice.Storage.StorageSnapshot",
        "Sluice.Storage.Wal.WalUnavailableException",

        // Read: what a snapshot hands out — rows in memory, parts and their stats, the part schema, the engine.
        "Sluice.Storage.Hot.HotChunk",
        "Sluice.Storage.Hot.RowEntry",
        "Sluice.Storage.Hot.RowRef",
        "Sluice.Storage.Hot.FieldHash",
        "Sluice.Storage.Partitions.PartInfo",
        "Sluice.Storage.Partitions.PartTier",
        "Sluice.Storage.Partitions.PartRoots",
        "Sluice.Storage.Partitions.PartSchema",
        "Sluice.Storage.Partitions.PartFiles",
        "Sluice.Storage.Partitions.AttributeJson",
        "Sluice.Storage.Partitions.PartStats",
        "Sluice.Storage.Partitions.TextTrigrams",
        "Sluice.Storage.Partitions.TextBlock",
        "Sluice.Storage.Summaries.PartSummary",
        "Sluice.Storage.Summaries.HyperLogLog",
        "Sluice.Storage.Summaries.SummaryDetail",
        "Sluice.Storage.Engine.DuckDbEngine",
        "Sluice.Storage.Engine.DuckDbEngine+Connection",

        // Operate: cleanup requests and reports, counters.
        "Sluice.Storage.Retention.CleanupRequest",
        "Sluice.Storage.Retention.CleanupPolicy",
        "Sluice.Storage.Retention.CleanupReport",
        "Sluice.Storage.Retention.CleanupItem",
        "Sluice.Storage.StorageStats",
        "Sluice.Storage.Wal.WalStats",

        // Ship: sinks, each reading the WAL through its own cursor, and their status.
        "Sluice.Storage.Sinks.IEventSink",
        "Sluice.Storage.Sinks.SinkBatch",
        "Sluice.Storage.Sinks.SinkSet",
        "Sluice.Storage.Sinks.SinkStatus",
    ];

    /// <summary>Test and benchmark assemblies may see behind the door; no product assembly may.</summary>
    private static readonly string[] MaySeeInternals = ["Sluice.Tests", "Sluice.Server.Tests", "Sluice.Benchmarks"];

    private static Assembly Storage => typeof(EventStore).Assembly;

    [Fact]
    public void Storage_makes_public_exactly_the_door()
    {
        var exported = Storage.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Door.Order(StringComparer.Ordinal), exported);
    }

    [Fact]
    public void Only_tests_and_benchmarks_see_storage_internals()
    {
        var granted = Storage.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName);
        Assert.All(granted, name => Assert.Contains(name, MaySeeInternals));
    }

    [Fact]
    public void No_other_sluice_assembly_names_a_storage_type_outside_the_door()
    {
        var door = Door.ToHashSet(StringComparer.Ordinal);
        var scanned = new List<string>();
        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "Sluice.*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name == Storage.GetName().Name || MaySeeInternals.Contains(name))
            {
                continue;
            }

            scanned.Add(name);
            var outside = StorageTypesNamedBy(path).Where(t => !door.Contains(t)).ToList();
            Assert.True(outside.Count == 0, $"{name} names storage types behind the door: {string.Join(", ", outside)}");
        }

        Assert.Contains("Sluice.Query", scanned); // the storage's reader, so the scan is not empty
    }

    [Fact]
    public void The_design_lists_every_door_type()
    {
        var design = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "design.md"));
        var start = design.IndexOf("### The door", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/design.md has no \"### The door\" section");
        var end = design.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? design[start..] : design[start..end];
        var missing = Door.Select(t => t[(t.LastIndexOf('.') + 1)..].Replace('+', '.')).Where(t => !section.Contains($"`{t}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"the door in docs/design.md does not name {string.Join(", ", missing)}");
    }

    /// <summary>The full names (nested types with '+') of every type the assembly at <paramref name="path"/> refers to in Sluice.Storage.</summary>
    private static List<string> StorageTypesNamedBy(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            if (FullName(metadata, handle) is { } name)
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>A type reference's full name if it resolves to Sluice.Storage, else null.</summary>
    private static string? FullName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var type = metadata.GetTypeReference(handle);
        var name = metadata.GetString(type.Name);
        switch (type.ResolutionScope.Kind)
        {
            case HandleKind.TypeReference:
                return FullName(metadata, (TypeReferenceHandle)type.ResolutionScope) is { } outer ? outer + "+" + name : null;
            case HandleKind.AssemblyReference:
                var assembly = metadata.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope);
                return metadata.GetString(assembly.Name) == Storage.GetName().Name ? metadata.GetString(type.Namespace) + "." + name : null;
            default:
                return null;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "docs", "design.md")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no docs/design.md above " + AppContext.BaseDirectory);
    }
}
