using System.Collections;
using System.Data.Common;
using System.Globalization;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// A <see cref="ClickHouseTable"/> read through <see cref="DbDataReader"/>, so the readers the embedded engine reads
/// its answers with (whole events, capped tables) read ClickHouse's as well. Forward-only, as theirs are.
/// </summary>
internal sealed class ClickHouseRowsReader(ClickHouseTable table) : DbDataReader
{
    private int _row = -1;

    private object? Cell(int ordinal) => table.Rows[_row][ordinal];

    public override int FieldCount => table.Names.Length;

    public override bool Read() => ++_row < table.Rows.Count;

    public override bool IsDBNull(int ordinal) => Cell(ordinal) is null;

    public override object GetValue(int ordinal) => Cell(ordinal) ?? DBNull.Value;

    public override long GetInt64(int ordinal) => Convert.ToInt64(Cell(ordinal), CultureInfo.InvariantCulture);

    public override double GetDouble(int ordinal) => Convert.ToDouble(Cell(ordinal), CultureInfo.InvariantCulture);

    /// <summary>ClickHouse keeps booleans as UInt8.</summary>
    public override bool GetBoolean(int ordinal) => Cell(ordinal) is bool b ? b : Convert.ToInt64(Cell(ordinal), CultureInfo.InvariantCulture) != 0;

    public override string GetString(int ordinal) => Convert.ToString(Cell(ordinal), CultureInfo.InvariantCulture) ?? "";

    public override string GetName(int ordinal) => table.Names[ordinal];

    public override int GetOrdinal(string name) => Array.IndexOf(table.Names, name);

    public override string GetDataTypeName(int ordinal) => table.Types[ordinal];

    public override Type GetFieldType(int ordinal) => typeof(object);

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override int Depth => 0;

    public override bool HasRows => table.Rows.Count > 0;

    public override bool IsClosed => false;

    public override int RecordsAffected => -1;

    public override bool NextResult() => false;

    public override int GetValues(object[] values)
    {
        var n = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < n; i++)
        {
            values[i] = GetValue(i);
        }

        return n;
    }

    public override IEnumerator GetEnumerator() => table.Rows.GetEnumerator();

    public override byte GetByte(int ordinal) => Convert.ToByte(Cell(ordinal), CultureInfo.InvariantCulture);

    public override char GetChar(int ordinal) => GetString(ordinal)[0];

    public override DateTime GetDateTime(int ordinal) => Convert.ToDateTime(Cell(ordinal), CultureInfo.InvariantCulture);

    public override decimal GetDecimal(int ordinal) => Convert.ToDecimal(Cell(ordinal), CultureInfo.InvariantCulture);

    public override float GetFloat(int ordinal) => Convert.ToSingle(Cell(ordinal), CultureInfo.InvariantCulture);

    public override Guid GetGuid(int ordinal) => Guid.Parse(GetString(ordinal));

    public override short GetInt16(int ordinal) => Convert.ToInt16(Cell(ordinal), CultureInfo.InvariantCulture);

    public override int GetInt32(int ordinal) => Convert.ToInt32(Cell(ordinal), CultureInfo.InvariantCulture);

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();
}
