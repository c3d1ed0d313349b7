using Sluice.Query.Analytics.Worker;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice sql-worker</c>: the process a server starts to run custom SQL in (not for people to run): it reads
/// statements on standard input and answers on standard output until its input closes.
/// </summary>
public static class SqlWorkerCommand
{
    public static int Run(CommandLine args)
    {
        var settings = new SqlWorkerSettings(
            args.Require("partitions"),
            args.Require("archive"),
            args.GetLong("memory-mb", 1024) * 1024 * 1024,
            (int)Math.Clamp(args.GetLong("threads", 1), 1, 64));
        args.RejectUnknown();
        return SqlWorkerHost.Run(Console.OpenStandardInput(), Console.OpenStandardOutput(), settings, Console.Error);
    }
}
