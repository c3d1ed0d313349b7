using System.Text;

namespace Sluice.Fuzz;

/// <summary>
/// Structure-aware mutations: inputs are valid seeds damaged the ways hostile clients and broken senders damage
/// them — bit flips, structural bytes, escapes (NUL, lone surrogates), huge numbers, repeated runs that expand,
/// deep nesting, splices of two seeds, cuts — a few at a time, so most inputs stay close to something a parser
/// has to take seriously.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", "\\", ":", ",", "\n", "\r\n", " ", "0", "-", ".", "e", "null", "true", "false",
            "\\u0000", "\\ud800", "\\udc00", "\\u", "\\\"", "{a}", "{{", "}}", "{@x}", "1e999", "-1", "99999999999999999999999",
            "9223372036854775808", "-9223372036854775809", "253402300799999", "0001-01-01T00:00:00Z", "NaN", "\"\"", "[[[[[[[[",
            "]]]]]]]]", "{\"a\":{\"b\":{\"c\":{\"d\":", "\u00e9", "\ud83d\ude00", "%00", "|", " OR ", " AND ", "NOT ", "-", "*",
            "(", ")", "_time:", "stats ", "count()", " by ", "bin(5m)", "<14>", "<999>", "1 ", "999999999 ", "@t", "@mt", "@x",
        }.Select(Encoding.UTF8.GetBytes),
        [0], [0xff], [0xc0], [0xed, 0xa0, 0x80], [0x80], [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x12, 0x80, 0x80, 0x80, 0x80, 0x10],
    ];

    public byte[] Next(IReadOnlyList<byte[]> pool, int maxLength)
    {
        var input = pool[random.Next(pool.Count)];
        var rounds = 1 + random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            input = Mutate(input, pool);
        }

        return input.Length > maxLength ? input[..maxLength] : input;
    }

    private byte[] Mutate(byte[] input, IReadOnlyList<byte[]> pool)
    {
        var data = new List<byte>(input);
        var at = data.Count == 0 ? 0 : random.Next(data.Count + 1);
        switch (random.Next(10))
        {
            case 0 when data.Count > 0: // flip a bit
                var flip = random.Next(data.Count);
                data[flip] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0: // a random byte
                data[random.Next(data.Count)] = (byte)random.Next(256);
                break;
            case 2 or 3: // a structural token or escape
                data.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                break;
            case 4 when data.Count > 0: // cut a range
                var from = random.Next(data.Count);
                data.RemoveRange(from, Math.Min(data.Count - from, 1 + random.Next(Math.Max(1, data.Count / 4))));
                break;
            case 5 when data.Count > 0: // repeat a range: what expanding paths feed on
                var start = random.Next(data.Count);
                var length = Math.Min(data.Count - start, 1 + random.Next(64));
                var run = data.GetRange(start, length);
                var times = 1 + random.Next(random.Next(2) == 0 ? 8 : 400);
                for (var t = 0; t < times; t++)
                {
                    data.InsertRange(start, run);
                }

                break;
            case 6: // splice in part of another input
                var other = pool[random.Next(pool.Count)];
                if (other.Length > 0)
                {
                    var from2 = random.Next(other.Length);
                    data.InsertRange(at, other[from2..Math.Min(other.Length, from2 + 1 + random.Next(other.Length - from2))]);
                }

                break;
            case 7 when data.Count > 0: // truncate
                var keep = random.Next(data.Count);
                data.RemoveRange(keep, data.Count - keep);
                break;
            case 8: // deep nesting
                var depth = random.Next(2) == 0 ? 1 + random.Next(20) : 200 + random.Next(400);
                data.InsertRange(at, Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth)));
                break;
            default: // random bytes
                var noise = new byte[1 + random.Next(16)];
                random.NextBytes(noise);
                data.InsertRange(at, noise);
                break;
        }

        return [.. data];
    }
}
