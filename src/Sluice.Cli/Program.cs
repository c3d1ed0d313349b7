using Sluice.Cli.Commands;

namespace Sluice.Cli;

public static class Program
{
    private const string Usage = """
        usage:
          sluice serve [--listen HOST:PORT] [--data DIR] [--config FILE] [--durability fsync|batch|none]
          sluice bench gen --events N --seed S --out FILE [--start ISO|now] [--hours H]
          sluice bench ingest --url URL --file FILE [--connections C] [--batch B] [--rate EVENTS_PER_S] [--path /api/ingest] [--repeat R]
          sluice bench query --data DIR [--runs N] [--threads T]   (a stopped server's data directory)
          sluice bench peers --file FILE --clickhouse URL --work DIR [--clickhouse-pid PID] [--rounds R] [--runs N] [--threads T] [--markdown FILE]
          sluice bench clickhouse-reads --file FILE --clickhouse URL --work DIR [--runs N] [--port P] [--markdown FILE]
          sluice bench tail --url URL [--subscribers N] [--query Q] [--seconds S]   (live-tail load; until stdin closes without --seconds)
          sluice bench kv --url URL [--keys N] [--reads R] [--connections C] [--bytes B] [--markdown FILE] [--redis-script scripts/redis.sh --redis-dir DIR --redis-port P [--outage-writes W]]
          sluice compare --url URL [--other URL] [--start T] [--end T] [--kind log|traffic] [--share S]   (exit 0 match, 1 mismatch; keys from SLUICE_API_KEY, SLUICE_OTHER_API_KEY)
          (sluice sql-worker is started by serve to run custom SQL in; it is not for direct use)
        environment: SLUICE_LISTEN, SLUICE_DATA_DIR, SLUICE__Section__Key (see docs/configuration.md)
        """;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            return args switch
            {
                [] or ["serve", ..] => await ServeCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["bench", "gen", ..] => await BenchGenCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "ingest", ..] => await BenchIngestCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "query", ..] => await BenchQueryCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "peers", ..] => await BenchPeersCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "clickhouse-reads", ..] => await BenchClickHouseReadsCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "tail", ..] => await BenchTailCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["bench", "kv", ..] => await BenchKvCommand.RunAsync(new CommandLine(args.Skip(2))),
                ["compare", ..] => await CompareCommand.RunAsync(new CommandLine(args.Skip(1))),
                ["sql-worker", ..] => SqlWorkerCommand.Run(new CommandLine(args.Skip(1))),
                ["help" or "--help" or "-h", ..] => Help(),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args.Take(2))}'"),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"sluice: {e.Message}\n{Usage}");
            return 2;
        }
    }

    private static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }
}
