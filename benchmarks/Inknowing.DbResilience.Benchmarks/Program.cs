using Inknowing.DbResilience.Benchmarks;

// The benchmark harness: ./build.sh bench [NAME...]. Each benchmark prints its figures and ratios against the raw tools and the peers.
IBenchmark[] all =
[
    new StorageBenchmark(),
    new MigrationsBenchmark(),
    new RestoreBenchmark(),
    new BackupBenchmark(),
    new PitrBenchmark(),
    new CliBenchmark(),
];

var chosen = args.Length == 0 ? all : all.Where(b => args.Contains(b.Name, StringComparer.OrdinalIgnoreCase)).ToArray();
if (chosen.Length == 0)
{
    Console.Error.WriteLine("usage: ./build.sh bench [" + string.Join(" | ", all.Select(b => b.Name)) + "]");
    return 2;
}

Measure.Machine();
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
foreach (var benchmark in chosen)
{
    Console.WriteLine();
    Console.WriteLine($"== {benchmark.Name}: {benchmark.Description}");
    await benchmark.RunAsync(cancellation.Token);
}

return 0;
