using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>
/// The OpenTelemetry .NET SDK with default options sends the message template as the body and the values only as
/// attributes: Sluice renders the template so that a search for a value finds the event, and keeps the template.
/// </summary>
public sealed class OtlpTemplateTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    [InlineData(OtlpExportProtocol.Grpc)]
    public async Task Sdk_templates_with_default_options_are_rendered_and_found_by_value(OtlpExportProtocol protocol)
    {
        await using var server = await TestServer.StartAsync(o => o with { Protocols = o.Protocols with { OtlpGrpcPort = 0 } });
        var endpoint = protocol == OtlpExportProtocol.Grpc ? GrpcEndpoint(server) : new Uri(server.Http.BaseAddress!, "/v1/logs");
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("orders"));
            otel.AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
            });
        })))
        {
            var logger = factory.CreateLogger("Shop.Orders");
            logger.LogError("otel {Token} failed for order {OrderId} at {Amount:0.00} by {@Customer}", "tok-93a1", 4711, 19.5m, "c-8");
        }

        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "q=tok-93a1"));
        Assert.Equal("otel tok-93a1 failed for order 4711 at 19.5 by c-8", e.GetProperty("message").GetString());
        Assert.Equal("otel {Token} failed for order {OrderId} at {Amount:0.00} by {@Customer}", e.GetProperty("template").GetString());
        Assert.Equal("4711", e.GetProperty("attributes").GetProperty("OrderId").GetString());
        Assert.Single(await Api.SearchAllAsync(server, "q=4711"));
    }

    [Fact]
    public async Task Otlp_json_bodies_are_rendered_and_the_rendering_stays_within_the_field_limit()
    {
        await using var server = await TestServer.StartAsync(o => o with { Limits = o.Limits with { MaxFieldBytes = 1024 } });
        var long300 = new string('x', 300);
        var body = $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
              "scopeLogs":[{"logRecords":[
                {"timeUnixNano":"1767261600000000000","body":{"stringValue":"paid {Amount} for {Sku} via {Channel}"},
                 "attributes":[{"key":"Amount","value":{"doubleValue":12.5}},{"key":"Sku","value":{"stringValue":"sku-771"}}]},
                {"timeUnixNano":"1767261601000000000","body":{"stringValue":"{Big}{Big}{Big}{Big}{Big}{Big}{Big}{Big} ü"},
                 "attributes":[{"key":"Big","value":{"stringValue":"{{{long300}}}"}}]},
                {"timeUnixNano":"1767261602000000000","body":{"stringValue":"literal {braces} stay"}}]}]}]}
            """;
        Assert.Equal(200, (await server.PostAsync("/v1/logs", body)).Status);

        var events = await Api.SearchAllAsync(server, "service=json-svc");
        var paid = events.Single(e => e.GetProperty("message").GetString()!.StartsWith("paid", StringComparison.Ordinal));
        Assert.Equal(("paid 12.5 for sku-771 via {Channel}", "paid {Amount} for {Sku} via {Channel}"), (paid.GetProperty("message").GetString(), paid.GetProperty("template").GetString()));
        var big = events.Single(e => e.GetProperty("message").GetString()!.StartsWith('x'));
        Assert.Equal(new string('x', 1024), big.GetProperty("message").GetString());
        var literal = events.Single(e => e.GetProperty("message").GetString()!.StartsWith("literal", StringComparison.Ordinal));
        Assert.False(literal.TryGetProperty("template", out _), "a body whose holes name no attribute is not a template");
    }

    private static Uri GrpcEndpoint(TestServer server)
    {
        var addresses = server.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.ToList();
        return new Uri($"http://127.0.0.1:{new Uri(addresses[1]).Port}");
    }
}
