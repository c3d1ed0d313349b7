using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Core.Options;
using Sluice.Server.Configuration;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice serve [--listen H:P] [--data DIR] [--config FILE] [--durability fsync|batch|none] [--set Section:Key=value]…</c></summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        NativeAllocators.Configure();
        var overrides = new Dictionary<string, string?>();
        if (args.Get("listen") is { } listen)
        {
            overrides["Listen"] = listen;
        }

        if (args.Get("data") is { } data)
        {
            overrides["DataDir"] = data;
        }

        if (args.Get("durability") is { } durability)
        {
            overrides["Durability"] = durability;
        }

        foreach (var set in args.GetAll("set"))
        {
            var eq = set.IndexOf('=');
            if (eq <= 0)
            {
                throw new UsageException($"--set takes Section:Key=value, not '{set}'");
            }

            overrides[set[..eq].Trim()] = set[(eq + 1)..];
        }

        var config = args.Get("config");
        args.RejectUnknown();

        SluiceOptions options;
        ConfigurationLayers layers;
        try
        {
            layers = SluiceConfiguration.LoadLayers(config, overrides);
            options = layers.Bind();
        }
        catch (OptionsException e)
        {
            await Console.Error.WriteLineAsync($"sluice: invalid configuration: {e.Message}");
            return 2;
        }

        Console.WriteLine("sluice: effective options");
        foreach (var line in OptionsPrinter.Lines(options))
        {
            Console.WriteLine("  " + line);
        }

        WebApplication app;
        try
        {
            app = SluiceServer.Build(options, layers: layers);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"sluice: cannot open the data directory: {e.Message}");
            return 1;
        }

        await using var running = app;
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"sluice: cannot listen on {options.Listen}: {e.Message}");
            return 1;
        }

        var url = app.BaseAddress();
        Console.WriteLine($"sluice: serving {url} (ingest {url}api/ingest, search {url}api/logs/search, metrics {url}metrics)");
        var keys = app.Services.GetRequiredService<Sluice.Admission.Auth.ApiKeyStore>();
        Console.WriteLine(keys.IsEmpty
            ? "sluice: no API keys configured: only clients on this machine (loopback) are served; set SLUICE_API_KEYS to serve others"
            : $"sluice: {keys.Count} API key(s) configured; every endpoint but /health/* needs one{(options.Auth.OpenMetrics ? " (and /metrics is open)" : "")}");
        var quotas = app.Services.GetRequiredService<Sluice.Admission.Quotas.QuotaBook>();
        Console.WriteLine(quotas.IsEmpty
            ? "sluice: no quotas (SLUICE_QUOTA_PROFILE=none)"
            : $"sluice: quota profile {options.Quotas.Profile}: {string.Join("; ", quotas.Rules.Select(r => r.Name))}");
        await app.WaitForShutdownAsync();
        return Environment.ExitCode;
    }
}
