using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sluice.Admission.Auth;
using Sluice.Admission.Privacy;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Core.Time;
using Sluice.Server.Analysis;
using Sluice.Server.BrowserClient;
using Sluice.Server.Configuration;
using Sluice.Server.Dashboard;
using Sluice.Server.Endpoints;
using Sluice.Server.Http;
using Sluice.Server.Ingest;
using Sluice.Server.Ingest.Protocols;
using Sluice.Server.Kv;
using Sluice.Server.Metrics;
using Sluice.Server.Mirror;
using Sluice.Server.Tail;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Analytics.Worker;
using Sluice.Storage;

namespace Sluice.Server.Hosting;

/// <summary>The composition root: services per stage of the flow, then endpoints per feature.</summary>
public static class SluiceServer
{
    /// <summary>Builds the server for validated options. The data directory is locked from here until disposal.</summary>
    /// <param name="services">Registers services before Sluice's own (tests put a hand-moved <see cref="IClock"/> here).</param>
    /// <param name="layers">Where each setting came from (<c>sluice serve</c>); null: <paramref name="options"/> as built, with the runtime layer of its data directory on top.</param>
    public static WebApplication Build(SluiceOptions options, Action<ILoggingBuilder>? logging = null, Action<IServiceCollection>? services = null, ConfigurationLayers? layers = null)
    {
        var runtime = RuntimeSettingsStore.Open(RuntimeSettingsStore.DirectoryIn(options.DataDir));
        if (layers is null)
        {
            layers = ConfigurationLayers.FromOptions(options);
            if (runtime.LoadProblem is null && runtime.Settings.Count > 0)
            {
                layers = layers.WithRuntime(runtime.Settings);
                options = layers.Bind();
            }
        }

        ListenAddress.TryParse(options.Listen, out var listen);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var certificate = ServerCertificate.Load(options.Tls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(listen.Address, listen.Port, endpoint =>
            {
                if (certificate is not null)
                {
                    endpoint.UseHttps(certificate);
                }
            });
            if (options.Protocols.OtlpGrpcPort is { } grpcPort)
            {
                // gRPC needs HTTP/2; without TLS that means prior knowledge, so the port speaks HTTP/2 only.
                kestrel.Listen(listen.Address, grpcPort, endpoint =>
                {
                    endpoint.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2;
                    if (certificate is not null)
                    {
                        endpoint.UseHttps(certificate);
                    }
                });
            }
            kestrel.AddServerHeader = false;
            // Body size is enforced while reading, so the client gets a problem+json 413 rather than a reset.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        builder.Services.AddSingleton(new ServerTls(certificate));
        services?.Invoke(builder.Services);
        builder.Services.AddSingleton(sp => new LiveSettings(layers, options, runtime, sp.GetRequiredService<IClock>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Settings")));
        builder.Services.AddSluice(options);
        var app = builder.Build();
        app.UseSecurityHeaders();
        app.UseProblemForUnhandledErrors();
        app.UseDashboardAtRoot();
        app.UseWebSockets();
        app.UseRouting();
        app.UseCors(); // answers preflights before the key check: browsers send no key on them
        app.UseApiKeys();
        app.UseQueryStringGuard();
        app.UseQueryParameterCheck();
        app.UseQueryGate();
        app.UseStatusCodePages(context => context.HttpContext.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Problem.WriteAsync(context.HttpContext, 404, ErrorCodes.NotFound, $"no endpoint at {context.HttpContext.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => Problem.WriteAsync(context.HttpContext, 405, ErrorCodes.MethodNotAllowed, $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}"),
            _ => Task.CompletedTask,
        });
        app.MapOperate();
        app.MapIngest();
        app.MapQuery();
        app.MapStorage();
        app.MapSummaries();
        app.MapAnalytics();
        app.MapPatterns();
        app.MapTail();
        app.MapSignIn();
        app.MapDashboard();
        app.MapBrowserClient();
        app.MapMonitors();
        app.MapAlerts();
        app.MapKv();
        app.MapFeatures();
        app.MapConfig();
        app.MapCompare();
        app.MapChaos();
        app.MapExport();
        app.MapExportJobs();
        app.MapImport();
        app.Services.GetRequiredService<IngestRate>(); // sampling starts now, not at the first look
        if (options.Protocols.OtlpGrpcPort is not null)
        {
            app.MapGrpcService<OtlpGrpcService>().RequireScope(ApiScope.Ingest);
        }

        return app;
    }

    public static IServiceCollection AddSluice(this IServiceCollection services, SluiceOptions options)
    {
        var keyErrors = new List<string>();
        var keys = ApiKeyStore.Parse(options.Auth.ApiKeys, options.Auth.ApiKeyHashes, keyErrors);
        if (keyErrors.Count > 0)
        {
            throw new OptionsException(string.Join("; ", keyErrors));
        }

        services.AddSingleton(keys);
        services.AddCors();
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Cors.Infrastructure.ICorsPolicyProvider, BrowserIngestPolicies>());
        var data = DataDirectory.Open(options.DataDir);
        services.AddSingleton(options);
        services.AddSingleton(data);
        services.TryAddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<IIpHasher>(new KeyedIpHasher(IpHashKeyStore.LoadOrCreate(options.Privacy.IpHashKey, data.Meta)));
        services.AddSingleton<EventIdGenerator>();
        services.AddSingleton<ServerMetrics>();
        services.AddDependencies(options);
        services.AddClickHouse(options);
        services.AddMirror(options);
        services.AddKv(options, data);
        services.AddSingleton(sp =>
        {
            var store = new EventStore(options, data, sp.GetRequiredService<IClock>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Storage"),
                sp.GetRequiredService<Sluice.Core.Resilience.Dependencies>());
            foreach (var sink in sp.GetServices<Sluice.Storage.Sinks.IEventSink>())
            {
                store.Sinks.Attach(sink); // before recovery: their cursors hold the WAL from the start
            }

            sp.GetRequiredService<LiveSettings>().OnChange(ReloadableSettings.Retention, o => store.UseRetention(o.Retention));
            return store;
        });
        services.AddSingleton(sp =>
        {
            var roots = sp.GetRequiredService<EventStore>().Roots;
            var settings = new SqlWorkerSettings(roots.Partitions, roots.Archive, options.Query.SqlWorkerMemoryMb * 1024L * 1024, options.Storage.QueryThreads, options.Query.SqlWorkers);
            return new SqlWorkerPool(SqlWorkerLaunch.Beside(), settings, TimeSpan.FromMilliseconds(options.Query.QueueWaitMs), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Query"));
        });
        services.AddSingleton(sp => new EmbeddedQueryEngine(sp.GetRequiredService<EventStore>(), options.Query, sp.GetRequiredService<IClock>(),
            sp.GetRequiredService<SqlWorkerPool>(), sp.GetService<IPatternTemplates>()));
        // With ClickHouse, questions go through its router (AddClickHouse); without, straight to this node's engine.
        services.AddSingleton<IQueryEngine>(sp => sp.GetService<Sluice.ClickHouse.Queries.RoutedQueryEngine>() ?? (IQueryEngine)sp.GetRequiredService<EmbeddedQueryEngine>());
        services.AddSingleton(new QueryGate(options.Query));
        services.AddSingleton(sp => new QueryCache(options.Query.CacheTtlSeconds, options.Query.CacheMaxMb * 1024L * 1024, sp.GetRequiredService<IClock>()));
        services.AddSingleton(new IngestMemory(options));
        services.AddSingleton<Export.ExportJobs>();
        services.AddPatterns(options, data);
        services.AddAdmission(options);
        services.AddSharedAdmission(options);
        services.AddMonitorsAndAlerts(options, data);
        if (options.Protocols.OtlpGrpcPort is not null)
        {
            // No catch-all endpoints for unknown services: every endpoint declares its scope.
            services.AddGrpc(grpc => grpc.IgnoreUnknownServices = true);
        }

        services.AddSingleton(sp => new Tail.TailHub(options.Tail, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Tail")));
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<DashboardConfig>();
        services.AddSingleton<IngestRate>();
        services.AddSingleton<IngestPipeline>();
        services.AddHostedService<Hosting.RecoveryService>();
        return services;
    }

    /// <summary>The address the server actually listens on (useful with port 0).</summary>
    public static Uri BaseAddress(this WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", IPAddress.Loopback.ToString(), StringComparison.Ordinal));
    }
}
