namespace Sluice.Core.Events;

/// <summary>How a field's value is encoded after its tag.</summary>
public enum FieldType : byte
{
    /// <summary>Varint length, then UTF-8 bytes.</summary>
    String,

    /// <summary>Zig-zag varint.</summary>
    Integer,

    /// <summary>One byte, 0 or 1.</summary>
    Boolean,

    /// <summary>Varint key length, key bytes, varint value length, value bytes.</summary>
    KeyValue,
}
