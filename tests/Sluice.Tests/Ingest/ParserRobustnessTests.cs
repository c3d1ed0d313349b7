using System.Text;
using Sluice.Core.Events;
using Sluice.Ingest.Json;
using Sluice.Tests.Support;

namespace Sluice.Tests.Ingest;

/// <summary>
/// Property: no body — random bytes, or a valid body with bytes flipped, cut or inserted — makes the parser throw,
/// and whatever it commits is well-formed rows whose count matches what it reports accepted.
/// </summary>
public class ParserRobustnessTests
{
    private static readonly string[] Seeds =
    [
        """{"message":"hello","level":"warn","timestamp":"2025-06-28T14:00:00Z","metadata":{"a":[1,2,{"b":null}],"c":true},"ip":"1.2.3.4"}""",
        """[{"message":"a","status":200},{"domain":"d","decision":"block","risk":"55"},{"msg":"x","msg":"y","\u0069d":"z"}]""",
        "{\"message\":\"a\"}\n{\"message\":\"b\",\"attributes\":{\"k\":\"v\"}}\n{\"level\":30,\"message\":\"c\"}\n",
        """{"logs":[{"message":"é ✓ \ud83d\ude00"},{"message":"\u0000"}]}""",
    ];

    [Theory]
    [InlineData(BodyShape.Auto)]
    [InlineData(BodyShape.SingleObject)]
    [InlineData(BodyShape.LogsEnvelope)]
    public void Mutated_and_random_bodies_never_throw_and_commit_only_well_formed_rows(BodyShape shape)
    {
        var random = new Random((int)shape + 11);
        for (var i = 0; i < 4_000; i++)
        {
            var body = i % 5 == 0 ? RandomBytes(random) : Mutate(Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]), random);
            using var batch = new EventBatchBuilder();
            using var parser = new EventParser(new Sluice.Core.Options.IngestLimits(), Parse.Hasher, new EventIdGenerator());
            var result = EventBodyParser.Parse(body, shape, parser, batch, new ParseContext(EventKind.Log, Parse.ReceivedAt), new Sluice.Core.Options.IngestLimits());

            Assert.True(RowLayout.IsWellFormedBatch(batch.Rows.Span, batch.Count), $"malformed rows from body #{i}");
            Assert.Equal(result.Accepted, batch.Count);
            if (result.Fatal is null)
            {
                Assert.Equal(result.Total, result.Accepted + (result.Rejections?.Count ?? 0));
            }
            else
            {
                Assert.Equal(0, batch.Count);
            }
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && random.Next(2) == 0)
        {
            bytes[0] = (byte)"{[ \n"[random.Next(4)];
        }

        return bytes;
    }

    private const string Punctuation = "{}[],:\"\\0a \n";

    private static byte[] Mutate(byte[] body, Random random)
    {
        var list = body.ToList();
        for (var m = random.Next(1, 4); m > 0 && list.Count > 0; m--)
        {
            var at = random.Next(list.Count);
            switch (random.Next(4))
            {
                case 0: list[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: list.RemoveAt(at); break;
                case 2: list.Insert(at, (byte)Punctuation[random.Next(Punctuation.Length)]); break;
                default: list.RemoveRange(at, list.Count - at); break;
            }
        }

        return [.. list];
    }
}
