namespace Sluice.Cli.Output;

/// <summary>A level's colour: error and fatal red, warn yellow, info default, debug and trace grey.</summary>
internal static class Level
{
    /// <summary>The Spectre style name.</summary>
    public static string Style(string level) => level switch
    {
        "fatal" => "bold red",
        "error" => "red",
        "warn" => "yellow",
        "debug" or "trace" => "grey",
        _ => "default",
    };

    /// <summary>The ANSI escape that starts the colour, for plain console writes; empty for the default.</summary>
    public static string Ansi(string level) => level switch
    {
        "fatal" => "\u001b[1;31m",
        "error" => "\u001b[31m",
        "warn" => "\u001b[33m",
        "debug" or "trace" => "\u001b[90m",
        _ => "",
    };

    public const string AnsiReset = "\u001b[0m";
}
