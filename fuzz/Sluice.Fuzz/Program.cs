using System.Globalization;
using System.Security.Cryptography;
using Sluice.Fuzz;

// Runs the fuzz targets: each over its regression corpus, then over N mutated inputs. Prints, per target, how many
// inputs ran, how fast, the most one input allocated (absolute and per byte), and every failure, which is also
// written to findings/<target>/ to be kept as a regression input under corpus/<target>/ once fixed.
// usage: Sluice.Fuzz [--target NAME|all] [--inputs N] [--seed S] [--corpus DIR] [--findings DIR] [--replay FILE] [--http URL [--syslog-port P]]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

var name = options.GetValueOrDefault("target", "all");
var inputs = long.Parse(options.GetValueOrDefault("inputs", "100000"), CultureInfo.InvariantCulture);
var seed = int.Parse(options.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture);
var corpus = options.GetValueOrDefault("corpus", Path.Combine("fuzz", "corpus"));
var findings = options.GetValueOrDefault("findings", Path.Combine("fuzz", "findings"));
var targets = FuzzTargets.All.Where(t => name == "all" || t.Name == name).ToList();
if (targets.Count == 0)
{
    Console.Error.WriteLine($"no target '{name}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

// --http URL sends mutated inputs of every target (and of SQL) to a running server instead: never an undocumented 5xx.
if (options.TryGetValue("http", out var url))
{
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
    var fuzz = new HttpFuzz(http, options.TryGetValue("syslog-port", out var port) ? int.Parse(port, CultureInfo.InvariantCulture) : null);
    var httpFailed = false;
    foreach (var target in targets.Select(t => (t.Name, Pool: t.Seeds.Concat(FuzzRun.Corpus(corpus, t.Name)).ToList()))
        .Append((Name: "sql", Pool: HttpFuzz.SqlSeeds.ToList())))
    {
        var mutator = new Mutator(new Random(seed));
        var failures = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long i = 0; i < inputs && failures < 5; i++)
        {
            var input = mutator.Next(target.Pool, 16 * 1024);
            if (await fuzz.SendAsync(target.Name, input) is { } failure)
            {
                failures++;
                Console.WriteLine($"  {target.Name}: {failure}");
            }
        }

        httpFailed |= failures > 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target.Name,-16} {inputs,10} inputs over HTTP in {clock.Elapsed.TotalSeconds:F0} s, {failures} failures"));
    }

    return httpFailed ? 1 : 0;
}

// --replay FILE runs one saved input on the target without catching anything, to see where it fails.
if (options.TryGetValue("replay", out var replay))
{
    targets[0].Run(File.ReadAllBytes(replay));
    Console.WriteLine("ran without failing");
    return 0;
}

Console.WriteLine($"{"target",-16} {"inputs",10} {"inputs/s",10} {"max alloc",12} {"max alloc/B",12} {"failures",9}");
var failed = false;
foreach (var target in targets)
{
    var report = FuzzRun.Run(target, inputs, seed, FuzzRun.Corpus(corpus, target.Name));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{report.Target,-16} {report.Inputs,10} {report.Inputs / report.Elapsed.TotalSeconds,10:F0} {report.MaxAllocated,12} {report.MaxAllocatedPerByte,12:F1} {report.Failures.Count,9}"));
    foreach (var (input, failure) in report.Failures)
    {
        failed = true;
        var directory = Path.Combine(findings, target.Name);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin");
        File.WriteAllBytes(file, input);
        Console.WriteLine($"  {failure} ({input.Length} bytes, saved as {file})");
    }
}

return failed ? 1 : 0;
