using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Sinks.OpenTelemetry;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>OTLP/HTTP through the real clients: the OpenTelemetry .NET SDK under ILogger, and Serilog's OpenTelemetry sink.</summary>
public sealed class OtlpClientTests
{
    [Fact]
    public async Task OpenTelemetry_sdk_logs_arrive_over_http_protobuf_with_every_field_mapped()
    {
        await using var server = await TestServer.StartAsync();
        using var activity = new Activity("invoice-run").Start();
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(ResourceBuilder.CreateEmpty()
                .AddService("billing", serviceVersion: "2.1.0")
                .AddAttributes([new("host.name", "api-7"), new("deployment.environment", "test")]));
            otel.IncludeFormattedMessage = true;
            otel.AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = new Uri(server.Http.BaseAddress!, "/v1/logs");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            });
        })))
        {
            var logger = factory.CreateLogger("Shop.Billing");
            logger.LogWarning("Invoice {InvoiceId} overdue by {Days} days", "inv-9", 3);
            logger.LogError(new InvalidOperationException("ledger locked"), "Posting {Batch} failed", 12);
        }

        var events = await SeqClientTests.WaitForAsync(server, 2);
        var overdue = events.Single(e => e.GetProperty("level").GetString() == "warn");
        Assert.Equal("Invoice inv-9 overdue by 3 days", overdue.GetProperty("message").GetString());
        Assert.Equal("Invoice {InvoiceId} overdue by {Days} days", overdue.GetProperty("template").GetString());
        Assert.Equal("billing", overdue.GetProperty("service").GetString());
        Assert.Equal("api-7", overdue.GetProperty("host").GetString());
        Assert.Equal("Shop.Billing", overdue.GetProperty("category").GetString());
        Assert.Equal(activity.TraceId.ToHexString(), overdue.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), overdue.GetProperty("span_id").GetString());
        var attributes = overdue.GetProperty("attributes");
        Assert.Equal("inv-9", attributes.GetProperty("InvoiceId").GetString());
        Assert.Equal("3", attributes.GetProperty("Days").GetString());
        Assert.Equal("2.1.0", attributes.GetProperty("service.version").GetString());
        Assert.Equal("test", attributes.GetProperty("deployment.environment").GetString());
        Assert.Equal("Warning", attributes.GetProperty("severity_text").GetString());

        var failed = events.Single(e => e.GetProperty("level").GetString() == "error");
        Assert.Equal("Posting 12 failed", failed.GetProperty("message").GetString());
        Assert.Contains("ledger locked", failed.GetProperty("stack_trace").GetString());
        Assert.Equal("InvalidOperationException", failed.GetProperty("attributes").GetProperty("exception.type").GetString());
    }

    [Fact]
    public async Task OpenTelemetry_sdk_logs_arrive_over_grpc()
    {
        await using var server = await TestServer.StartAsync(o => o with { Protocols = o.Protocols with { OtlpGrpcPort = 0 } });
        var addresses = server.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.ToList();
        Assert.Equal(2, addresses.Count);
        var grpc = new Uri(addresses[1]);
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("grpc-billing"));
            otel.IncludeFormattedMessage = true;
            otel.AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = new Uri($"http://127.0.0.1:{grpc.Port}");
                exporter.Protocol = OtlpExportProtocol.Grpc;
            });
        })))
        {
            factory.CreateLogger("Shop.Grpc").LogError("Refund {RefundId} stuck", "rf-1");
        }

        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1));
        Assert.Equal(("Refund rf-1 stuck", "error", "grpc-billing", "Shop.Grpc"),
            (e.GetProperty("message").GetString(), e.GetProperty("level").GetString(), e.GetProperty("service").GetString(), e.GetProperty("category").GetString()));
        Assert.Equal("rf-1", e.GetProperty("attributes").GetProperty("RefundId").GetString());
        Assert.Contains("sluice_http_requests_total{endpoint=\"otlp/grpc\",status=\"200\"} 1", await server.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Serilog_OpenTelemetry_sink_events_arrive()
    {
        await using var server = await TestServer.StartAsync();
        using (var log = new LoggerConfiguration()
            .WriteTo.OpenTelemetry(options =>
            {
                options.Endpoint = new Uri(server.Http.BaseAddress!, "/v1/logs").ToString();
                options.Protocol = OtlpProtocol.HttpProtobuf;
                options.ResourceAttributes = new Dictionary<string, object> { ["service.name"] = "orders", ["host.name"] = "worker-2" };
            })
            .CreateLogger())
        {
            log.Warning("Order {OrderId} held for {Reason}", 1042, "fraud check");
        }

        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1));
        Assert.Equal("Order 1042 held for fraud check", e.GetProperty("message").GetString());
        Assert.Equal(("warn", "orders", "worker-2"), (e.GetProperty("level").GetString(), e.GetProperty("service").GetString(), e.GetProperty("host").GetString()));
        Assert.Equal("1042", e.GetProperty("attributes").GetProperty("OrderId").GetString());
        Assert.Equal("fraud check", e.GetProperty("attributes").GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task Otlp_json_with_hex_ids_structured_bodies_and_partial_success()
    {
        await using var server = await TestServer.StartAsync();
        // Built from the OTLP/JSON encoding rules: lowerCamelCase names, 64-bit integers as strings, hex trace and span ids.
        var body = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"edge"}}]},
              "scopeLogs":[{"scope":{"name":"edge.router","version":"1.0"},"logRecords":[
                {"timeUnixNano":"1767261600123456789","severityNumber":17,"severityText":"ERROR","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
                 "body":{"kvlistValue":{"values":[{"key":"route","value":{"stringValue":"/pay"}},{"key":"ms","value":{"intValue":"812"}}]}},
                 "attributes":[{"key":"retry","value":{"boolValue":true}},{"key":"ratio","value":{"doubleValue":0.25}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}}]},
                {"observedTimeUnixNano":"1767261601000000000","severityText":"warning","body":{"stringValue":"slow upstream"}},
                {"body":{"stringValue":"bad"},"attributes":[{"key":"x","value":{"stringValue":"LONG"}}]}
              ]}]}]}
            """.Replace("LONG", new string('y', 70_000), StringComparison.Ordinal);
        var (status, answer, _) = await server.PostAsync("/v1/logs", body);
        Assert.Equal(200, status);
        Assert.Equal("1", answer.GetProperty("partialSuccess").GetProperty("rejectedLogRecords").GetString());
        Assert.Contains("record 2", answer.GetProperty("partialSuccess").GetProperty("errorMessage").GetString());

        var events = await Api.SearchAllAsync(server, "q=");
        var error = events.Single(e => e.GetProperty("level").GetString() == "error");
        Assert.Equal("2026-01-01T10:00:00.123Z", error.GetProperty("time").GetString());
        Assert.Equal("5b8efff798038103d269b633813fc60c", error.GetProperty("trace_id").GetString());
        Assert.Equal("eee19b7ec3c1b174", error.GetProperty("span_id").GetString());
        Assert.Equal(("edge", "edge.router"), (error.GetProperty("service").GetString(), error.GetProperty("category").GetString()));
        Assert.Equal("{\"route\":\"/pay\",\"ms\":812}", error.GetProperty("message").GetString());
        var attributes = error.GetProperty("attributes");
        Assert.Equal("/pay", attributes.GetProperty("body.route").GetString());
        Assert.Equal("true", attributes.GetProperty("retry").GetString());
        Assert.Equal("0.25", attributes.GetProperty("ratio").GetString());
        Assert.Equal("1.0", attributes.GetProperty("otel.scope.version").GetString());
        var slow = events.Single(e => e.GetProperty("message").GetString() == "slow upstream");
        Assert.Equal(("warn", 1_767_261_601_000L), (slow.GetProperty("level").GetString(), slow.GetProperty("timestamp").GetInt64())); // observed time stands in

        // Not OTLP at all: the protocol's own error shape.
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("\u0001\u0002garbage"));
        content.Headers.ContentType = new("application/x-protobuf");
        var refused = await server.Http.PostAsync("/v1/logs", content);
        Assert.Equal(400, (int)refused.StatusCode);
        var status400 = Sluice.Ingest.Protocols.Otlp.Status.Parser.ParseFrom(await refused.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, status400.Code);
    }
}
