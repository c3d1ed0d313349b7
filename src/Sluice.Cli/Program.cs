using Sluice.Cli.Client;
using Sluice.Cli.Commands;

namespace Sluice.Cli;

public static class Program
{
    private const string Usage = """
        usage:
          sluice serve [--listen HOST:PORT] [--data DIR] [--config FILE] [--durability fsync|batch|none] [--set Section:Key=value]...
          sluice forward --to URL [--api-key-env NAME] [--listen HOST:PORT] [--data DIR] [--batch N] [--interval DURATION]
            (an edge that takes every ingest protocol, acks into its own WAL and forwards in batches, default 50 events
            or 30s, to the Sluice at URL; its key from NAME or SLUICE_FORWARD_API_KEY; docs/forwarder.md)
          sluice bench gen --events N --seed S --out FILE [--start ISO|now] [--hours H]
          sluice bench ingest --url URL --file FILE [--connections C] [--batch B] [--rate EVENTS_PER_S] [--path /api/ingest] [--repeat R]
          sluice bench query --data DIR [--runs N] [--threads T]   (a stopped server's data directory)
          sluice bench peers --file FILE --clickhouse URL --work DIR [--clickhouse-pid PID] [--rounds R] [--runs N] [--threads T] [--markdown FILE]
          sluice bench clickhouse-reads --file FILE --clickhouse URL --work DIR [--runs N] [--port P] [--markdown FILE]
          sluice bench tail --url URL [--subscribers N] [--query Q] [--seconds S]   (live-tail load; until stdin closes without --seconds)
          sluice bench kv --url URL [--keys N] [--reads R] [--connections C] [--bytes B] [--markdown FILE] [--redis-script scripts/redis.sh --redis-dir DIR --redis-port P [--outage-writes W]]
          sluice profile create --name NAME --url URL [--api-key-stdin]   (the key: SLUICE_API_KEY or stdin)
          sluice profile list
          sluice profile remove --name NAME
          sluice compare --url URL [--other URL] [--start T] [--end T] [--kind log|traffic] [--share S]   (exit 0 match, 1 mismatch; keys from SLUICE_API_KEY, SLUICE_OTHER_API_KEY)
          sluice ingest FILE|- [--format ndjson|clef|plain] [--batch 1000] [--connections 4] [--restart] [--rate EVENTS_PER_S] [--retries 5]
            [--level-pattern REGEX] [--service NAME] [--property K=V]…   (plain text; gzip/zstd read by their magic bytes;
            a file is resumable: a second run continues where the server last acknowledged; exit 3 when lines were refused)
          sluice query 'QUERY' [--since 1h | --start T [--end T]] [--kind log|traffic] [--limit 100] [--output table|json|ndjson|csv]
            (a query with pipes, '… | stats count() by service', answers a table; exit 0 also when nothing matches)
          sluice tail ['QUERY'] [--kind log|traffic] [--output text|ndjson] [--no-color]   (live; reconnects; Ctrl-C ends it)
          sluice stats [--since 24h] [--output table|json]   (counts by level, service, kind; ingest rate; storage)
          sluice patterns [--since 24h] [--min-frequency N] [--limit 100] [--output table|json]
          sluice config get [KEY] [--output table|json]
          sluice config set KEY=VALUE [KEY=VALUE...] [--unset KEY]... [--reason TEXT] [--expected-version N] [--output table|json]
          sluice config history [--output table|json]
          sluice config rollback VERSION [--reason TEXT] [--output table|json]
          sluice config health [--output table|json]   (exit 1 when not healthy)
          sluice export 'QUERY' --out FILE [--since 1h | --start T --end T] [--format ndjson|csv|parquet] [--kind log|traffic] [--job]
            (every matching event; --job: the server writes it as a job, progress shown, the download resumes when rerun)
          sluice import FILE... [--format ndjson|clef|parquet]   (format from the extension; .gz/.zst sent compressed; exit 3 if lines were refused)
          (sluice sql-worker is started by serve to run custom SQL in; it is not for direct use)
        connection (every command that talks to a server): [--url URL] [--profile NAME]; SLUICE_URL, SLUICE_PROFILE,
          SLUICE_API_KEY; else the profile 'default'; else http://127.0.0.1:5080 (docs/cli.md)
        exit codes: 0 done, 1 the answer is no, 2 usage error, 3 refused by the server (4xx),
          4 server unreachable or failing, 130 interrupted
        environment: SLUICE_LISTEN, SLUICE_DATA_DIR, SLUICE__Section__Key (see docs/configuration.md)
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args.Any(a => a is "--help" or "-h"))
        {
            return Help(args.TakeWhile(a => !a.StartsWith('-')).ToArray());
        }

        try
        {
            return args switch
            {
                [] or ["serve", ..] => await ServeCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["forward", ..] => await ForwardCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["bench", "gen", ..] => await BenchGenCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "ingest", ..] => await BenchIngestCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "query", ..] => await BenchQueryCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "peers", ..] => await BenchPeersCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "clickhouse-reads", ..] => await BenchClickHouseReadsCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "tail", ..] => await BenchTailCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "kv", ..] => await BenchKvCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["profile", "create", ..] => ProfileCommand.Create(new CommandLine(args.Skip(2), "api-key-stdin")),
                ["profile", "list", ..] => ProfileCommand.List(new CommandLine(args.Skip(2))),
                ["profile", "remove", ..] => ProfileCommand.Remove(new CommandLine(args.Skip(2))),
                ["ingest", ..] => await IngestCommand.RunAsync(new CommandLine(args.Skip(1), "restart")),
                ["query", ..] => await QueryCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["tail", ..] => await TailCommand.RunAsync(new CommandLine(args.Skip(1), "no-color")),
                ["stats", ..] => await StatsCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["patterns", ..] => await PatternsCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["config", "get", ..] => await ConfigCommand.GetAsync(new CommandLine(args.Skip(2))),
                ["config", "set", ..] => await ConfigCommand.SetAsync(new CommandLine(args.Skip(2))),
                ["config", "history", ..] => await ConfigCommand.HistoryAsync(new CommandLine(args.Skip(2))),
                ["config", "rollback", ..] => await ConfigCommand.RollbackAsync(new CommandLine(args.Skip(2))),
                ["config", "health", ..] => await ConfigCommand.HealthAsync(new CommandLine(args.Skip(2))),
                ["export", ..] => await ExportCommand.RunAsync(new CommandLine(args.Skip(1), "job")),
                ["import", ..] => await ImportCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["compare", ..] => await CompareCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["sql-worker", ..] => SqlWorkerCommand.Run(new CommandLine(args.Skip(1))),
                ["help", .. var topic] => Help(topic),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args.Take(2))}'"),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"sluice: {e.Message}\n{Usage}");
            return ExitCodes.Usage;
        }
        catch (CommandFailedException e)
        {
            await Console.Error.WriteLineAsync($"sluice: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// The usage of the commands that start with <paramref name="words"/> (<c>sluice profile --help</c> shows the
    /// profile commands), with the shared notes on connections and exit codes; all of it when nothing matches.
    /// </summary>
    private static int Help(string[] words)
    {
        var lines = Usage.Split('\n');

        // "sluice query 'level:error' --help" asks about query: drop words (arguments) until a command matches.
        while (words.Length > 1 && !lines.Any(l => l.StartsWith("  sluice " + string.Join(' ', words), StringComparison.Ordinal)))
        {
            words = words[..^1];
        }

        var prefix = "  sluice " + string.Join(' ', words);
        var commands = lines.TakeWhile(l => !l.StartsWith("connection", StringComparison.Ordinal)).ToList();
        var chosen = new List<string>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (words.Length > 0 && commands[i].StartsWith(prefix, StringComparison.Ordinal))
            {
                chosen.Add(commands[i]);
                chosen.AddRange(commands.Skip(i + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)));
            }
        }

        Console.WriteLine(chosen.Count == 0 ? Usage : "usage:\n" + string.Join('\n', chosen) + "\n" + string.Join('\n', lines.SkipWhile(l => !l.StartsWith("connection", StringComparison.Ordinal))));
        return ExitCodes.Ok;
    }
}
