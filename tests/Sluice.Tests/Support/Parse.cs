using System.Text;
using Sluice.Admission.Privacy;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Tests.Support;

/// <summary>Runs the real parser over a body and decodes what it produced, for assertions.</summary>
public static class Parse
{
    public static readonly KeyedIpHasher Hasher = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    public const long ReceivedAt = 1_750_000_000_000;

    public static (BodyParseResult Result, List<DecodedEvent> Events) Body(string body, BodyShape shape = BodyShape.Auto,
        EventKind kind = EventKind.Log, IngestLimits? limits = null, bool assignTrace = false) =>
        Body(Encoding.UTF8.GetBytes(body), shape, kind, limits, assignTrace);

    public static (BodyParseResult Result, List<DecodedEvent> Events) Body(byte[] body, BodyShape shape = BodyShape.Auto,
        EventKind kind = EventKind.Log, IngestLimits? limits = null, bool assignTrace = false)
    {
        limits ??= new IngestLimits();
        using var batch = new EventBatchBuilder();
        using var parser = new EventParser(limits, Hasher, new EventIdGenerator());
        var result = EventBodyParser.Parse(body, shape, parser, batch, new ParseContext(kind, ReceivedAt, assignTrace), limits);
        return (result, DecodedEvent.All(batch.Rows.Span));
    }

    public static DecodedEvent One(string json, EventKind kind = EventKind.Log)
    {
        var (result, events) = Body(json, BodyShape.SingleObject, kind);
        Assert.Null(result.Fatal);
        Assert.True(result.Rejections is null, result.Rejections is null ? "" : result.Rejections[0].Error.Message);
        return Assert.Single(events);
    }

    public static Sluice.Core.Errors.FieldError Error(string json, IngestLimits? limits = null)
    {
        var (result, events) = Body(json, BodyShape.SingleObject, limits: limits);
        Assert.Empty(events);
        if (result.Fatal is { } fatal)
        {
            return fatal;
        }

        return Assert.Single(result.Rejections!).Error;
    }
}
