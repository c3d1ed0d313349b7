using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Sluice.Benchmarks.IngestPathBenchmarks).Assembly).Run(args);
