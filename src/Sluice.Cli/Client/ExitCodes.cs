namespace Sluice.Cli.Client;

/// <summary>
/// What <c>sluice</c> exits with, the same for every command so scripts can rely on it (docs/cli.md).
/// </summary>
public static class ExitCodes
{
    /// <summary>Done as asked.</summary>
    public const int Ok = 0;

    /// <summary>The command ran, and its answer is "no": a comparison that does not match, a check that failed.</summary>
    public const int No = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>The server refused the request (4xx): a bad query, a missing scope, an unknown setting.</summary>
    public const int Refused = 3;

    /// <summary>The server could not be reached, or failed (5xx), or the connection broke.</summary>
    public const int Unavailable = 4;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}

/// <summary>A command that cannot go on: the message is printed as <c>sluice: …</c> and the code is the exit code.</summary>
public sealed class CommandFailedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
