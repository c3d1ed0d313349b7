using System.Text;
using Sluice.Ingest.Json;

namespace Sluice.Tests.Ingest;

/// <summary>
/// Names are matched on their UTF-8 bytes: each name and alias must mean what the table says, and no other byte
/// string (near misses, other cases, non-ASCII, longer, cut, dotted) may match anything.
/// </summary>
public class NativeFieldNamesTests
{
    [Fact]
    public void Every_name_and_alias_matches_its_meaning()
    {
        Assert.True(NativeFieldNames.All.Count > 60);
        foreach (var (name, meaning) in NativeFieldNames.All)
        {
            Assert.Equal(meaning, NativeFieldNames.Match(Encoding.UTF8.GetBytes(name)));
        }

        Assert.Equal(new FieldName(FieldRole.Canonical, Sluice.Core.Events.FieldTag.Message), NativeFieldNames.Match("msg"u8));
        Assert.Equal(FieldRole.ClientIp, NativeFieldNames.Match("x-forwarded-for"u8).Role);
    }

    [Fact]
    public void Byte_strings_match_exactly_what_the_table_holds()
    {
        var random = new Random(14);
        var names = NativeFieldNames.All.Keys.ToArray();
        for (var i = 0; i < 50_000; i++)
        {
            var bytes = Mutate(Encoding.UTF8.GetBytes(names[random.Next(names.Length)]), random);
            var expected = Utf8(bytes) is { } text && NativeFieldNames.All.TryGetValue(text, out var meaning) ? meaning : default;
            Assert.Equal(expected, NativeFieldNames.Match(bytes));
        }

        Assert.Equal(default, NativeFieldNames.Match([]));
        Assert.Equal(default, NativeFieldNames.Match("Message"u8));
        Assert.Equal(default, NativeFieldNames.Match("messagé"u8));
        Assert.Equal(default, NativeFieldNames.Match(Encoding.UTF8.GetBytes(new string('m', 5_000))));
    }

    [Fact]
    public void Client_address_names_are_found_as_the_last_segment_of_a_key()
    {
        foreach (var name in NativeFieldNames.ClientIpNames)
        {
            Assert.True(NativeFieldNames.IsIpName(Encoding.UTF8.GetBytes(name)), name);
            Assert.True(NativeFieldNames.IsIpName(Encoding.UTF8.GetBytes("request.headers." + name)), name);
            Assert.False(NativeFieldNames.IsIpName(Encoding.UTF8.GetBytes(name + ".x")), name);
            Assert.False(NativeFieldNames.IsIpName(Encoding.UTF8.GetBytes(name.ToUpperInvariant())), name);
        }

        Assert.False(NativeFieldNames.IsIpName("message"u8));
        Assert.False(NativeFieldNames.IsIpName("ip."u8));
        Assert.False(NativeFieldNames.IsIpName([]));
    }

    /// <summary>A name with a byte changed, inserted or removed, cut, doubled or cased differently; now and then unchanged.</summary>
    private static byte[] Mutate(byte[] name, Random random)
    {
        var bytes = new List<byte>(name);
        switch (random.Next(7))
        {
            case 0 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                break;
            case 1:
                bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(32, 256));
                break;
            case 2 when bytes.Count > 0:
                bytes.RemoveAt(random.Next(bytes.Count));
                break;
            case 3:
                bytes.RemoveRange(0, random.Next(bytes.Count + 1));
                break;
            case 4:
                bytes.AddRange(name);
                break;
            case 5:
                return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(name).ToUpperInvariant());
        }

        return [.. bytes];
    }

    private static string? Utf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
