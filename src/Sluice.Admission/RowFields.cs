using System.IO.Hashing;
using Sluice.Core.Events;

namespace Sluice.Admission;

/// <summary>The fields of one row that admission looks at, read in a single pass over the row.</summary>
public ref struct RowFields
{
    public ReadOnlySpan<byte> Id;
    public ReadOnlySpan<byte> System;
    public ReadOnlySpan<byte> Trace;
    public ReadOnlySpan<byte> Domain;
    public ReadOnlySpan<byte> Service;
    public ReadOnlySpan<byte> Category;
    public ReadOnlySpan<byte> Decision;
    public ReadOnlySpan<byte> Country;
    public ReadOnlySpan<byte> Reason;
    public EventKind Kind;
    public EventLevel Level;

    public static RowFields Read(ReadOnlySpan<byte> row)
    {
        var fields = new RowFields { Kind = RowLayout.ReadKind(row), Level = RowLayout.ReadLevel(row) };
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            switch (reader.Tag)
            {
                case FieldTag.Id: fields.Id = reader.Value; break;
                case FieldTag.System: fields.System = reader.Value; break;
                case FieldTag.TraceId: fields.Trace = reader.Value; break;
                case FieldTag.Domain: fields.Domain = reader.Value; break;
                case FieldTag.Service: fields.Service = reader.Value; break;
                case FieldTag.Category: fields.Category = reader.Value; break;
                case FieldTag.Decision: fields.Decision = reader.Value; break;
                case FieldTag.Country: fields.Country = reader.Value; break;
                case FieldTag.Reason: fields.Reason = reader.Value; break;
            }
        }

        return fields;
    }

    /// <summary>
    /// A hash of everything a summary counts by: two events with the same stratum look the same to every summary,
    /// so one can stand for the other (<see cref="Quotas.SampleStrata"/>).
    /// </summary>
    public readonly ulong Stratum(ulong seed)
    {
        var h = Mix(seed, (ulong)Kind << 8 | (byte)Level);
        h = Mix(h, XxHash3.HashToUInt64(Service, 1));
        h = Mix(h, XxHash3.HashToUInt64(System, 2));
        h = Mix(h, XxHash3.HashToUInt64(Category, 3));
        h = Mix(h, XxHash3.HashToUInt64(Domain, 4));
        h = Mix(h, XxHash3.HashToUInt64(Decision, 5));
        h = Mix(h, XxHash3.HashToUInt64(Country, 6));
        return Mix(h, XxHash3.HashToUInt64(Reason, 7));
    }

    /// <summary>Combines two hashes order-dependently (the 64-bit finaliser of MurmurHash3 over a rotate-xor).</summary>
    internal static ulong Mix(ulong h, ulong value)
    {
        h = ulong.RotateLeft(h, 23) ^ value;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        return h ^ (h >> 33);
    }
}
