using System.Text.Json;
using Sluice.Cli.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice config get|set|history|rollback|health</c>: the server's settings and their runtime layer
/// (<c>/api/v1/config/*</c>, admin scope). Tables for people, <c>--output json</c> (the server's answer as it came)
/// for scripts. Secret values arrive masked from the server and are never asked for here.
/// </summary>
public static class ConfigCommand
{
    public static async Task<int> GetAsync(CommandLine args)
    {
        var key = args.Positional(0);
        var json = Json(args);
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var answer = await client.GetJsonAsync("/api/v1/config/settings" + (key is null ? "" : "?key=" + Uri.EscapeDataString(key)));
        var root = answer.RootElement;
        if (json)
        {
            Console.WriteLine(root.GetRawText());
            return ExitCodes.Ok;
        }

        var table = NewTable("setting", "value", "origin", "reloadable");
        foreach (var setting in root.GetProperty("settings").EnumerateObject())
        {
            var s = setting.Value;
            table.AddRow(Cell(setting.Name), Cell(Text(s.GetProperty("value"))), Cell(s.GetProperty("origin").GetString()), Cell(s.GetProperty("reloadable").GetBoolean() ? "yes" : "no"));
        }

        var console = Out();
        console.Write(table);
        if (key is null)
        {
            console.WriteLine($"version {root.GetProperty("version").GetInt64()}; features: " +
                string.Join(", ", root.GetProperty("features").EnumerateObject().Select(f => $"{f.Name}={Text(f.Value)}")));
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> SetAsync(CommandLine args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; args.Positional(i) is { } pair; i++)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw new UsageException($"settings are KEY=VALUE (Section:Key=value), not '{pair}'");
            }

            settings[pair[..eq]] = pair[(eq + 1)..];
        }

        foreach (var key in args.GetAll("unset"))
        {
            settings[key] = null; // back to the layers below
        }

        if (settings.Count == 0)
        {
            throw new UsageException("name at least one KEY=VALUE (or --unset KEY)");
        }

        var reason = args.Get("reason");
        var expected = args.Get("expected-version") is null ? (long?)null : args.GetLong("expected-version", 0);
        var json = Json(args);
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var answer = await client.SendJsonAsync(HttpMethod.Post, "/api/v1/config/settings", new { settings, reason, expectedVersion = expected });
        return Changed(answer.RootElement, json);
    }

    public static async Task<int> HistoryAsync(CommandLine args)
    {
        var json = Json(args);
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var answer = await client.GetJsonAsync("/api/v1/config/history");
        if (json)
        {
            Console.WriteLine(answer.RootElement.GetRawText());
            return ExitCodes.Ok;
        }

        var table = NewTable("version", "at", "who", "reason", "changes");
        foreach (var record in answer.RootElement.GetProperty("history").EnumerateArray())
        {
            table.AddRow(Cell(record.GetProperty("version").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)), Cell(record.GetProperty("at").GetString()),
                Cell(record.GetProperty("who").GetString()), Cell(Text(record.GetProperty("reason"))), Cell(Changes(record)));
        }

        Out().Write(table);
        return ExitCodes.Ok;
    }

    public static async Task<int> RollbackAsync(CommandLine args)
    {
        var text = args.RequirePositional(0, "VERSION");
        if (!long.TryParse(text, out var version) || version < 0)
        {
            throw new UsageException($"VERSION must be a version number, not '{text}'");
        }

        var reason = args.Get("reason");
        var json = Json(args);
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var answer = await client.SendJsonAsync(HttpMethod.Post, "/api/v1/config/rollback", new { version, reason });
        return Changed(answer.RootElement, json);
    }

    /// <summary>Exit 0 when the settings are healthy, 1 when not (the runtime layer unreadable, a reload failed).</summary>
    public static async Task<int> HealthAsync(CommandLine args)
    {
        var json = Json(args);
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var answer = await client.GetJsonAsync("/api/v1/config/health");
        var root = answer.RootElement;
        var healthy = root.GetProperty("healthy").GetBoolean();
        if (json)
        {
            Console.WriteLine(root.GetRawText());
        }
        else
        {
            Console.WriteLine($"{(healthy ? "healthy" : "NOT healthy")}: version {root.GetProperty("version").GetInt64()}, runtime layer " +
                (root.GetProperty("runtime_loaded").GetBoolean() ? "loaded" : "NOT loaded: " + root.GetProperty("problem").GetString()));
            foreach (var reload in root.GetProperty("reloads").EnumerateArray())
            {
                Console.WriteLine($"  {reload.GetProperty("consumer").GetString()}: version {reload.GetProperty("version").GetInt64()} at {reload.GetProperty("at").GetString()} " +
                    (reload.GetProperty("ok").GetBoolean() ? "ok" : "FAILED: " + reload.GetProperty("error").GetString()));
            }
        }

        return healthy ? ExitCodes.Ok : ExitCodes.No;
    }

    private static int Changed(JsonElement root, bool json)
    {
        if (json)
        {
            Console.WriteLine(root.GetRawText());
            return ExitCodes.Ok;
        }

        Console.WriteLine($"version {root.GetProperty("version").GetInt64()}");
        foreach (var change in root.GetProperty("record").GetProperty("changes").EnumerateArray())
        {
            Console.WriteLine($"  {change.GetProperty("key").GetString()}: {Text(change.GetProperty("from"))} → {Text(change.GetProperty("to"))}");
        }

        return ExitCodes.Ok;
    }

    private static string Changes(JsonElement record) => string.Join("; ", record.GetProperty("changes").EnumerateArray()
        .Select(c => $"{c.GetProperty("key").GetString()}: {Text(c.GetProperty("from"))} → {Text(c.GetProperty("to"))}"));

    private static bool Json(CommandLine args) => args.Get("output") switch
    {
        null or "table" => false,
        "json" => true,
        var other => throw new UsageException($"--output must be table or json, not '{other}'"),
    };

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "(unset)",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    private static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        return table;
    }

    private static IRenderable Cell(string? text) => new Text(text ?? "");

    /// <summary>The console, wide enough when redirected that a script or a test reads whole values, not wrapped ones.</summary>
    private static IAnsiConsole Out()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 1_000;
        }

        return console;
    }
}
