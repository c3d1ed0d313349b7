using System.Text;
using System.Text.RegularExpressions;
using Sluice.Query.Search;
using Sluice.Storage.Partitions;

namespace Sluice.Tests.Storage;

/// <summary>
/// The text index never drops a match: for random parts and random searched text, whenever a scan of the part finds
/// the text (by the hot rows' matcher, by ordinal-ignore-case, or by a Unicode case-insensitive regex as the engine's
/// is), the index says the part may hold it. And it does rule parts out, or it would be no index.
/// </summary>
public sealed class TextTrigramsTests
{
    // KELVIN SIGN and LONG S match 'k' and 's' in a Unicode case-insensitive search; İ and ı must not fool it either.
    private const string Alphabet = "abcdeknosstuxyzABCDEKNOSTUXYZ0123456789 -_:/.\"'éÉßſ\u212AİıÅ😀ü";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_part_whose_messages_hold_the_text_is_never_ruled_out(int seed)
    {
        var random = new Random(seed);
        using var builder = new TextTrigrams.Builder();
        for (var round = 0; round < 40; round++)
        {
            var messages = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Text(random, random.Next(0, 40))).ToList();
            foreach (var message in messages)
            {
                builder.Add(Encoding.UTF8.GetBytes(message));
            }

            var index = builder.Build()!;
            var others = Enumerable.Range(0, 5).Select(_ => Text(random, 30)).ToList();
            foreach (var message in others)
            {
                builder.Add(Encoding.UTF8.GetBytes(message));
            }

            var merged = TextTrigrams.Merge([index, builder.Build()])!;
            for (var n = 0; n < 200; n++)
            {
                var needle = n % 2 == 0 && messages.Count > 0 ? CaseFlipped(random, Substring(random, messages[random.Next(messages.Count)])) : Text(random, random.Next(1, 6));
                if (!messages.Any(m => Matches(m, needle)))
                {
                    continue;
                }

                var codes = TextTrigrams.NeedleCodes(needle);
                Assert.True(codes is null || index.MayContain(codes), $"'{needle}' is in the part but the index ruled it out");
                Assert.True(codes is null || merged.MayContain(codes), $"'{needle}' is in the part but the merged index ruled it out");
            }
        }
    }

    [Fact]
    public void Text_the_part_lacks_is_ruled_out()
    {
        using var builder = new TextTrigrams.Builder();
        for (var i = 0; i < 5000; i++)
        {
            builder.Add(Encoding.UTF8.GetBytes($"Order {i} created in {i % 977} ms by worker-{i % 13}"));
        }

        var index = builder.Build()!;
        Assert.True(index.MayContain(TextTrigrams.NeedleCodes("ORDER 42 created")!));
        var absent = new[] { "kraken", "timeout", "Payment failed", "zebra", "quota exceeded" };
        Assert.All(absent, needle => Assert.False(index.MayContain(TextTrigrams.NeedleCodes(needle)!), needle));
    }

    [Theory]
    [InlineData("ab")]          // too short to have a trigram
    [InlineData("naïve")]       // not ASCII: its case forms may differ in length
    public void Text_the_index_cannot_judge_is_left_to_the_scan(string needle) => Assert.Null(TextTrigrams.NeedleCodes(needle));

    [Fact]
    public void The_index_survives_its_stats_file()
    {
        using var builder = new TextTrigrams.Builder();
        builder.Add("Upstream request failed: connection timeout after 223 ms"u8);
        var index = builder.Build()!;
        var read = TextTrigrams.FromBase64(index.ToBase64(), index.Log2);
        Assert.True(read.MayContain(TextTrigrams.NeedleCodes("TIMEOUT")!));
        Assert.False(read.MayContain(TextTrigrams.NeedleCodes("zebra")!));
        Assert.Throws<InvalidDataException>(() => TextTrigrams.FromBase64(index.ToBase64(), index.Log2 + 1));
    }

    private static bool Matches(string message, string needle) =>
        new TextMatcher(needle).IsMatch(Encoding.UTF8.GetBytes(message))
        || message.Contains(needle, StringComparison.OrdinalIgnoreCase)
        || Regex.IsMatch(message, Regex.Escape(needle), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static string Text(Random random, int length)
    {
        var text = new StringBuilder();
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(Alphabet);
        var pieces = new List<string>();
        while (elements.MoveNext())
        {
            pieces.Add(elements.GetTextElement());
        }

        for (var i = 0; i < length; i++)
        {
            text.Append(pieces[random.Next(pieces.Count)]);
        }

        return text.ToString();
    }

    private static string Substring(Random random, string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var start = random.Next(text.Length);
        var length = random.Next(1, Math.Min(12, text.Length - start) + 1);
        var piece = text.Substring(start, length);
        return char.IsSurrogate(piece[^1]) || char.IsSurrogate(piece[0]) ? piece.Trim('\ud83d', '\ude00') : piece;
    }

    private static string CaseFlipped(Random random, string text) =>
        string.Concat(text.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)));
}
