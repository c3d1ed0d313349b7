using System.Text;
using Sluice.Query.Language;

namespace Sluice.Tests.Query.Language;

/// <summary>Property: any query tree, printed and parsed again, is the same tree (compared structurally, not as text).</summary>
public sealed class QueryRoundTripTests
{
    private static readonly string[] Names = ["service", "level", "status", "risk", "path", "region", "attributes.kind", "ad_click", "kind", "x-y.z", "@tag", "attributes.5xx", "attributes.-x"];
    private static readonly string[] Texts = ["a", "OR", "and", "not", "x y", "say \"hi\"", "back\\slash", "star*", "(paren)", "pipe|", "é ü", "", "-dash", ":colon"];

    [Fact]
    public void Printing_then_parsing_yields_the_same_tree()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var query = new ParsedQuery(random.Next(8) == 0 ? null : RandomFilter(random, 4), RandomPipes(random));
            var printed = QueryPrinter.Print(query);
            ParsedQuery reparsed;
            try
            {
                reparsed = QueryParser.Parse(printed);
            }
            catch (QueryException e)
            {
                Assert.Fail($"seed {seed}: '{printed}' does not parse: {e.Message}");
                return;
            }

            Assert.True(Dump(query) == Dump(reparsed), $"seed {seed}: '{printed}'\n{Dump(query)}\n{Dump(reparsed)}");
        }
    }

    private static Filter RandomFilter(Random random, int depth)
    {
        switch (depth == 0 ? random.Next(3, 6) : random.Next(6))
        {
            case 0: return new AndFilter(RandomFilter(random, depth - 1), RandomFilter(random, depth - 1));
            case 1: return new OrFilter(RandomFilter(random, depth - 1), RandomFilter(random, depth - 1));
            case 2: return new NotFilter(RandomFilter(random, depth - 1));
            case 3: return new TextFilter(Texts[random.Next(Texts.Length)]);
            case 4: return random.Next(2) == 0 ? TimeFilter.Last((random.Next(1, 5000) * 1000L) + random.Next(2)) : TimeFilter.Between(1_767_225_600_000 + random.Next(1000), 1_767_225_600_000 + 1000 + random.Next(100_000));
            default: return RandomField(random);
        }
    }

    private static FieldFilter RandomField(Random random)
    {
        var field = QueryField.Resolve(Names[random.Next(Names.Length)]);
        if (field.Source == FieldSource.Level)
        {
            var op = (MatchOp)random.Next((int)MatchOp.Greater, (int)MatchOp.LessOrEqual + 1);
            return new FieldFilter(field, random.Next(2) == 0 ? MatchOp.Equal : op, "warn");
        }

        if (field.Source == FieldSource.Kind)
        {
            return new FieldFilter(field, MatchOp.Equal, random.Next(2) == 0 ? "log" : "traffic");
        }

        if (field.IsBoolean)
        {
            return new FieldFilter(field, MatchOp.Equal, random.Next(2) == 0 ? "true" : "false");
        }

        var comparable = field.IsInteger || field.Source == FieldSource.Attribute;
        var choice = random.Next(field.IsInteger ? 3 : 5);
        if (choice == 1 && !comparable)
        {
            choice = 3;
        }

        return choice switch
        {
            0 => new FieldFilter(field, MatchOp.Exists, ""),
            1 => new FieldFilter(field, (MatchOp)random.Next((int)MatchOp.Greater, (int)MatchOp.LessOrEqual + 1), (random.Next(-500, 500) / 4.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            2 when field.IsInteger => new FieldFilter(field, MatchOp.Equal, random.Next(-9, 999).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            2 or 3 => new FieldFilter(field, MatchOp.Equal, Texts[random.Next(Texts.Length)]),
            _ => new FieldFilter(field, MatchOp.Wildcard, Texts[random.Next(Texts.Length)].Replace("\\", "\\\\", StringComparison.Ordinal) + "*" + (random.Next(2) == 0 ? "\\*" : "z")),
        };
    }

    private static List<Pipe> RandomPipes(Random random)
    {
        var pipes = new List<Pipe>();
        for (var i = random.Next(4); i > 0; i--)
        {
            pipes.Add(random.Next(5) switch
            {
                0 => new StatsPipe(
                    [new Aggregate(AggregateFunction.Count, null, null, "n"), new Aggregate(AggregateFunction.Quantile, QueryField.Resolve("risk"), 0.25 * random.Next(5), "q")],
                    random.Next(2) == 0 ? [] : [new GroupKey(QueryField.Resolve(Names[random.Next(Names.Length)]), 0), new GroupKey(null, 60_000L * random.Next(1, 90))]),
                1 => new TopPipe(random.Next(1, 50), QueryField.Resolve(Names[random.Next(Names.Length)])),
                2 => new SortPipe([new SortKey("n", random.Next(2) == 0), new SortKey("service", false)]),
                3 => new LimitPipe(random.Next(1, 1000)),
                _ => new FieldsPipe([QueryField.Resolve("timestamp"), QueryField.Resolve(Names[random.Next(Names.Length)])]),
            });
        }

        return pipes;
    }

    /// <summary>A structural dump, independent of the printer under test.</summary>
    private static string Dump(ParsedQuery query)
    {
        var text = new StringBuilder();
        Dump(query.Filter, text);
        foreach (var pipe in query.Pipes)
        {
            text.Append(" |").Append(pipe switch
            {
                StatsPipe s => $"stats[{string.Join(";", s.Aggregates)}]by[{string.Join(";", s.By)}]",
                SortPipe s => $"sort[{string.Join(";", s.Keys)}]",
                FieldsPipe f => $"fields[{string.Join(";", f.Fields)}]",
                _ => pipe.ToString(),
            });
        }

        return text.ToString();
    }

    private static void Dump(Filter? filter, StringBuilder text)
    {
        switch (filter)
        {
            case null: text.Append('∅'); break;
            case AndFilter a: text.Append("and("); Dump(a.Left, text); text.Append(','); Dump(a.Right, text); text.Append(')'); break;
            case OrFilter o: text.Append("or("); Dump(o.Left, text); text.Append(','); Dump(o.Right, text); text.Append(')'); break;
            case NotFilter n: text.Append("not("); Dump(n.Inner, text); text.Append(')'); break;
            default: text.Append(filter); break;
        }
    }
}
