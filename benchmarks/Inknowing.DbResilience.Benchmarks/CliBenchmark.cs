using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// <c>cli</c>: the CLI as operators install it. First the start-up time of <c>--help</c> (median of <c>BENCH_CLI_STARTS</c>
/// runs, default 20); then, for each database size (<c>pgbench -i -s N</c>, <c>BENCH_CLI_SCALES</c>,
/// default 50; <c>50,70,700</c> gives about 0.75, 1 and 10 GiB), the peak resident memory (GNU time <c>%M</c>) and time of
/// one <c>dbresilience backup</c> to file storage, s3rver and fauxqs, NativeAOT (<c>./build.sh publish</c>) beside ReadyToRun
/// (<c>./build.sh publish --readytorun</c>) and beside <c>pg_dump -Fc</c> to a file. Prints Markdown tables for
/// docs/benchmarks.md.
/// </summary>
internal sealed class CliBenchmark : IBenchmark
{
    // fauxqs accepts request bodies of up to 11 MiB, and an object of up to two parts goes up as one PutObject.
    private const int FauxqsPartSizeMiB = 5;
    private static readonly string[] TimeFormat = ["-f", "peak-kib=%M"];

    public string Name => "cli";

    public string Description => "the installed CLI: peak memory and time of one backup to file, s3rver and fauxqs per database size (BENCH_CLI_SCALES=50,70,700), NativeAOT vs ReadyToRun vs pg_dump; --help start-up (BENCH_CLI_STARTS)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var scales = (Environment.GetEnvironmentVariable("BENCH_CLI_SCALES") ?? "50").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var starts = int.Parse(Environment.GetEnvironmentVariable("BENCH_CLI_STARTS") ?? "20", CultureInfo.InvariantCulture);
        var work = Path.Combine(Path.GetTempPath(), "dbresilience-bench-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var builds = (await CliProcess.PublishAsync(work, cancellationToken, jit: false)).Reverse().ToList();
            var rows = new List<string>();

            // Start-up first: it takes seconds, the largest database takes the longest.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  start-up of --help, median of {starts} runs (load {LoadAverage()}):"));
            var startRows = new List<string>();
            foreach (var build in builds)
            {
                var (fileName, prefix) = CliProcess.Command(build);
                var times = new List<TimeSpan>();
                long peak = 0;
                for (var i = 0; i < starts; i++)
                {
                    var run = await TimedAsync([fileName, .. prefix, "--help"], new Dictionary<string, string>(), cancellationToken);
                    times.Add(run.Time);
                    peak = Math.Max(peak, run.PeakBytes);
                }

                times.Sort();
                startRows.Add(string.Create(CultureInfo.InvariantCulture, $"| {build.Name} | {times[times.Count / 2].TotalMilliseconds:F0} ms | {peak / 1048576.0:F1} MiB |"));
                Console.WriteLine(startRows[^1]);
            }

            await using var s3rver = await S3TestServer.StartS3rverAsync();
            await using var fauxqs = await S3TestServer.StartFauxqsAsync();
            await CreateBucketAsync(s3rver.Endpoint, cancellationToken);
            await CreateBucketAsync(fauxqs.Endpoint, cancellationToken);
            foreach (var scale in scales)
            {
                await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true }, cancellationToken);
                await cluster.ExecuteAsync("CREATE DATABASE bench", cancellationToken);
                var connectionString = cluster.GetConnectionString("bench");
                var connection = new NpgsqlConnectionStringBuilder(connectionString);
                var watch = Stopwatch.StartNew();
                await PgToolAsync(Path.Combine(cluster.BinDirectory, "pgbench"), connection, ["--initialize", "--quiet", "--scale=" + scale.ToString(CultureInfo.InvariantCulture), "bench"], cancellationToken);
                var databaseBytes = await DatabaseSizeAsync(connectionString, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  pgbench -i -s {scale}: {databaseBytes / 1048576.0:F0} MiB in {watch.Elapsed.TotalSeconds:F0} s (load {LoadAverage()})"));
                var size = string.Create(CultureInfo.InvariantCulture, $"-s {scale} ({databaseBytes / 1073741824.0:F2} GiB)");

                var dump = Path.Combine(work, "floor.dump");
                var floor = await TimedAsync(
                    [Path.Combine(cluster.BinDirectory, "pg_dump"), "--host=" + connection.Host, "--port=" + connection.Port.ToString(CultureInfo.InvariantCulture),
                     "--username=" + connection.Username, "--dbname=bench", "--format=custom", "--file=" + dump],
                    new Dictionary<string, string> { ["PGPASSWORD"] = connection.Password! },
                    cancellationToken);
                var dumpBytes = new FileInfo(dump).Length;
                File.Delete(dump);
                rows.Add(Row(size, "pg_dump -Fc to a file", "file", floor.PeakBytes, floor.Time, dumpBytes));
                Console.WriteLine(rows[^1]);

                var targets = new (string Name, Uri? Endpoint, string Query)[]
                {
                    ("file", null, string.Empty),
                    ("s3rver", s3rver.Endpoint, "&compatibility=true"),
                    ("fauxqs", fauxqs.Endpoint, "&partSizeMiB=" + FauxqsPartSizeMiB.ToString(CultureInfo.InvariantCulture)),
                };
                foreach (var build in builds)
                {
                    foreach (var (target, endpoint, query) in targets)
                    {
                        var prefix = "cli-" + Guid.NewGuid().ToString("N")[..8];
                        var storage = endpoint is null
                            ? new Uri(Path.Combine(work, prefix)).AbsoluteUri
                            : $"s3://bench/{prefix}?endpoint={Uri.EscapeDataString(endpoint.ToString())}&region=us-east-1&pathStyle=true{query}";
                        var environment = new Dictionary<string, string>(CliProcess.TestServerCredentials)
                        {
                            ["DBRESILIENCE_CONNECTION"] = connectionString,
                            ["DBRESILIENCE_STORAGE"] = storage,
                        };
                        var run = await CliProcess.RunAsync(build, ["backup", "--json"], environment, cancellationToken);
                        rows.Add(Row(size, build.Name, target, run.PeakBytes, run.Time, null));
                        Console.WriteLine(rows[^1]);

                        // Does the binary apply the young-generation budget it was built with (System.GC.Gen0MaxBudget, 2 MiB)?
                        // The same backup with the budget forced to 2 MiB and to 18 MiB (the runtime's own choice here) by
                        // environment variable: the first should match the row above, the second be higher.
                        if (build.Native && target == "s3rver" && scale == scales[0])
                        {
                            foreach (var budget in new[] { "200000", "1200000" })
                            {
                                var forced = await CliProcess.RunAsync(build, ["backup", "--json"], new Dictionary<string, string>(environment) { ["DOTNET_GCgen0MaxBudget"] = budget }, cancellationToken);
                                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                    $"  {build.Name} to s3rver with DOTNET_GCgen0MaxBudget=0x{budget} ({Convert.ToInt64(budget, 16) / 1048576} MiB): {forced.PeakBytes / 1048576.0:F1} MiB"));
                            }
                        }

                        // Keep the disk (and fauxqs's memory) free for the next, larger database.
                        if (endpoint is null)
                        {
                            Directory.Delete(Path.Combine(work, prefix), recursive: true);
                        }
                        else
                        {
                            await DeletePrefixAsync(endpoint, prefix, cancellationToken);
                        }
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("| database | process | to | peak memory (VmHWM) | time |");
            Console.WriteLine("|---|---|---|---|---|");
            rows.ForEach(r => Console.WriteLine(r));
            Console.WriteLine();
            Console.WriteLine("| `--help` | median start-up | peak memory |");
            Console.WriteLine("|---|---|---|");
            startRows.ForEach(r => Console.WriteLine(r));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Row(string size, string process, string target, long peakBytes, TimeSpan time, long? dumpBytes)
        => string.Create(CultureInfo.InvariantCulture,
            $"| {size} | {process} | {target} | {peakBytes / 1048576.0:F1} MiB | {time.TotalSeconds:F1} s{(dumpBytes is { } b ? $" (dump {b / 1048576.0:F0} MiB)" : string.Empty)} |");

    /// <summary>Runs a program under GNU time; returns its wall-clock time and peak resident memory. Throws when it fails.</summary>
    private static async Task<(TimeSpan Time, long PeakBytes)> TimedAsync(string[] command, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/time");
        foreach (var argument in TimeFormat.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var (exitCode, output, error, elapsed) = await Measure.RunProcessAsync(start, cancellationToken);
        var line = error.Split('\n').LastOrDefault(l => l.StartsWith("peak-kib=", StringComparison.Ordinal));
        if (exitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command[0])} exited with {exitCode}: {output} {error}");
        }

        return (elapsed, long.Parse(line["peak-kib=".Length..].Trim(), CultureInfo.InvariantCulture) * 1024);
    }

    private static async Task PgToolAsync(string tool, NpgsqlConnectionStringBuilder connection, string[] arguments, CancellationToken cancellationToken)
        => await TimedAsync(
            [tool, "--host=" + connection.Host, "--port=" + connection.Port.ToString(CultureInfo.InvariantCulture), "--username=" + connection.Username, .. arguments],
            new Dictionary<string, string> { ["PGPASSWORD"] = connection.Password! },
            cancellationToken);

    private static async Task<long> DatabaseSizeAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static AmazonS3Client Client(Uri endpoint) => new(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), new AmazonS3Config
    {
        ServiceURL = endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
    });

    private static async Task CreateBucketAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var client = Client(endpoint);
        await client.PutBucketAsync("bench", cancellationToken);
    }

    private static async Task DeletePrefixAsync(Uri endpoint, string prefix, CancellationToken cancellationToken)
    {
        using var client = Client(endpoint);
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "bench", Prefix = prefix + "/" }, cancellationToken);
        foreach (var item in listing.S3Objects ?? [])
        {
            await client.DeleteObjectAsync("bench", item.Key, cancellationToken);
        }
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
