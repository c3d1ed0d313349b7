namespace Sluice.ClickHouse;

/// <summary>
/// What differs between the ClickHouse versions Sluice speaks to (18.16, Debian's, up to current), in one place.
/// Everything else Sluice sends is SQL both accept.
/// <list type="bullet">
/// <item>18.16 makes <c>LowCardinality</c> columns only with <c>allow_experimental_low_cardinality_type=1</c>; current
/// versions accept the setting as obsolete and ignore it.</item>
/// <item>18.16 has no table or column <c>TTL</c>: retention drops daily partitions (<see cref="Retention.ClickHouseRetention"/>).</item>
/// <item>18.16 has no <c>DateTime64</c>: times are epoch ms in <c>Int64</c>, as in the parts.</item>
/// <item>18.16 has no JSON functions: attributes are also kept as key and value arrays.</item>
/// <item>18.16's <c>match(x, '(?i)…')</c> answers wrongly: case-insensitive search uses <c>positionCaseInsensitiveUTF8</c>.</item>
/// <item>18.16 takes no query parameters over HTTP (<c>{name:Type}</c> came in 19.x): values are bound as escaped literals.</item>
/// <item>JSON answers quote 64-bit integers unless <c>output_format_json_quote_64bit_integers=0</c>.</item>
/// </list>
/// </summary>
public static class ClickHouseDialect
{
    /// <summary>Settings for CREATE TABLE.</summary>
    public static readonly IReadOnlyDictionary<string, string> CreateSettings = new Dictionary<string, string>
    {
        ["allow_experimental_low_cardinality_type"] = "1",
    };

    /// <summary>Settings for Sluice's own queries.</summary>
    public static readonly IReadOnlyDictionary<string, string> ReadSettings = new Dictionary<string, string>
    {
        ["output_format_json_quote_64bit_integers"] = "0",
    };

    /// <summary>
    /// Settings for inserts: a batch is one block (so ClickHouse keeps all of it or none), and an insert into a
    /// Distributed table waits for the shards.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> InsertSettings = new Dictionary<string, string>
    {
        ["input_format_skip_unknown_fields"] = "0",
        ["max_insert_block_size"] = "1048576",
    };

    /// <summary>A string literal: everything but the characters ClickHouse's lexer reads is passed through; quotes and backslashes escaped.</summary>
    public static string Literal(string value)
    {
        var text = new System.Text.StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\'': text.Append(@"\'"); break;
                case '\0': text.Append(@"\0"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('\'').ToString();
    }
}
