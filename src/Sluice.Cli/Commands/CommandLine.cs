namespace Sluice.Cli.Commands;

/// <summary>
/// Parsed "--name value" pairs, bare "--flag"s and positional words; unknown or missing values are reported, not
/// guessed. Options named in <c>flags</c> never take a value, so <c>--follow file.log</c> leaves the file positional.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _repeated = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];
    private int _positionalsRead;

    public CommandLine(IEnumerable<string> args, params string[] flags)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                // A lone "-" is a positional too: stdin, by the usual convention.
                _positionals.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=');
            var (name, value) = eq > 0 ? (arg[2..eq], arg[(eq + 1)..])
                : !flags.Contains(arg[2..]) && i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? (arg[2..], list[++i])
                : (arg[2..], "true");
            _options[name] = value;
            if (!_repeated.TryGetValue(name, out var all))
            {
                _repeated[name] = all = [];
            }

            all.Add(value);
        }
    }

    public string? Get(string name)
    {
        _read.Add(name);
        return _options.GetValueOrDefault(name);
    }

    /// <summary>Every value of an option that may be repeated (<c>--set A=1 --set B=2</c>), in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        _read.Add(name);
        return _repeated.GetValueOrDefault(name) ?? [];
    }

    public string Require(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>True when the bare flag was given (or given as <c>--name=true</c>).</summary>
    public bool Flag(string name) => Get(name) switch
    {
        null => false,
        "true" => true,
        var value => throw new UsageException($"--{name} takes no value, not '{value}'"),
    };

    /// <summary>The positional word at <paramref name="index"/> (0 is the first word after the command), if given.</summary>
    public string? Positional(int index)
    {
        _positionalsRead = Math.Max(_positionalsRead, index + 1);
        return index < _positionals.Count ? _positionals[index] : null;
    }

    public string RequirePositional(int index, string what) => Positional(index) ?? throw new UsageException($"{what} is required");

    public long GetLong(string name, long fallback)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text.Replace("_", "", StringComparison.Ordinal), out var value) && value >= 0
            ? value
            : throw new UsageException($"--{name} must be a non-negative whole number, not '{text}'");
    }

    /// <summary>Fails on any option or word the command did not ask for (catches typos like --conections).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option --{unknown[0]}");
        }

        if (_positionals.Count > _positionalsRead)
        {
            throw new UsageException($"unexpected argument '{_positionals[_positionalsRead]}'");
        }
    }
}

public sealed class UsageException(string message) : Exception(message);
