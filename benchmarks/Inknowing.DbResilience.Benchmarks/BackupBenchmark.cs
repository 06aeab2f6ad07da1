using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// <c>backup</c>: IBackupService.CreateAsync (custom format) to file storage and to S3 (s3rver in compatibility mode, fauxqs
/// with the SDK defaults) against <c>pg_dump -Fc</c> to a file (the floor), on a <c>pgbench -i -s 50</c> database in a
/// throwaway cluster, interleaved run after run; then the peak memory (VmHWM) of child processes that each ran one backup.
/// </summary>
internal sealed class BackupBenchmark : IBenchmark
{
    // fauxqs accepts request bodies of up to 11 MiB, and an object of up to two parts goes up as one PutObject, so its parts are
    // 5 MiB; s3rver takes the provider's default (8 MiB).
    private const int FauxqsPartSize = 5 * 1024 * 1024;
    private const string ChildVariable = "BENCH_BACKUP_CHILD";
    private const string ChildConnectionVariable = "BENCH_BACKUP_CHILD_CONNECTION";

    public string Name => "backup";

    public string Description => "logical backup to file storage and S3 vs pg_dump -Fc > file, on pgbench -i -s 50 (BENCH_BACKUP_SCALE, BENCH_RUNS); peak memory of a backup alone";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) is { Length: > 0 } child)
        {
            await RunChildAsync(child, cancellationToken);
            return;
        }

        var scale = int.Parse(Environment.GetEnvironmentVariable("BENCH_BACKUP_SCALE") ?? "50", CultureInfo.InvariantCulture);
        var runs = int.Parse(Environment.GetEnvironmentVariable("BENCH_RUNS") ?? "3", CultureInfo.InvariantCulture);
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true }, cancellationToken);
        await cluster.ExecuteAsync("CREATE DATABASE bench", cancellationToken);
        var connectionString = cluster.GetConnectionString("bench");
        var connection = new NpgsqlConnectionStringBuilder(connectionString);

        var watch = Stopwatch.StartNew();
        await RunAsync(Path.Combine(cluster.BinDirectory, "pgbench"), connection, ["--initialize", "--quiet", "--scale=" + scale.ToString(CultureInfo.InvariantCulture), "bench"], cancellationToken);
        await using (var size = new NpgsqlConnection(connectionString))
        {
            await size.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", size);
            var bytes = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  pgbench -i -s {scale}: {bytes / 1024.0 / 1024.0:F0} MiB in {watch.Elapsed.TotalSeconds:F0} s; {runs} run(s) each, interleaved, median"));
        }

        var work = Path.Combine(Path.GetTempPath(), "dbresilience-bench-backup-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        await using var s3rver = await S3TestServer.StartS3rverAsync();
        await using var fauxqs = await S3TestServer.StartFauxqsAsync();
        try
        {
            await CreateBucketAsync(s3rver.Endpoint, cancellationToken);
            await CreateBucketAsync(fauxqs.Endpoint, cancellationToken);
            var dumpFile = Path.Combine(work, "floor.dump");
            var storage = Path.Combine(work, "storage");
            var variants = new (string Name, DbResilienceHost Host)[]
            {
                ("backup to file storage (default)", BuildHost(connectionString, "file:" + storage)),
                ("backup to file storage, zlib level 1", BuildHost(connectionString, "file:" + storage, archiveLevel: 1)),
                ("backup to file storage, pg_dump compresses", BuildHost(connectionString, "file:" + storage, archiveLevel: 0)),
                ("backup to file storage, row counts off", BuildHost(connectionString, "file:" + storage, countRows: false)),
                ("backup to s3rver (compatibility mode)", BuildHost(connectionString, "s3rver:" + s3rver.Endpoint)),
                ("backup to fauxqs (SDK defaults)", BuildHost(connectionString, "fauxqs:" + fauxqs.Endpoint)),
            };
            var floorTimes = new List<TimeSpan>();
            var floorCpu = new List<TimeSpan>();
            var times = variants.Select(_ => new List<TimeSpan>()).ToArray();
            var cpu = variants.Select(_ => new List<TimeSpan>()).ToArray();
            var sizes = new long[variants.Length];
            var sources = new string?[variants.Length];
            for (var run = 0; run < runs; run++)
            {
                // Floor and variants alternate, so that load from other processes on the machine hits them alike.
                var before = ClientCpu();
                floorTimes.Add(await TimeAsync(() => RunAsync(Path.Combine(cluster.BinDirectory, "pg_dump"), connection, ["--dbname=bench", "--format=custom", "--file=" + dumpFile], cancellationToken)));
                floorCpu.Add(ClientCpu() - before);
                for (var i = 0; i < variants.Length; i++)
                {
                    var index = i;
                    before = ClientCpu();
                    times[i].Add(await TimeAsync(async () => (sizes[index], sources[index]) = await BackupAsync(variants[index].Host, storage, cancellationToken)));
                    cpu[i].Add(ClientCpu() - before);
                }

                var round = string.Join(", ", times.Select(t => t[^1].TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {run + 1}: floor {floorTimes[^1].TotalSeconds:F2} s, ours {round} (load {LoadAverage()})"));
            }

            var floor = Median(floorTimes);
            Measure.Row("pg_dump -Fc --file (floor)", floor);
            for (var i = 0; i < variants.Length; i++)
            {
                Measure.Row(variants[i].Name, Median(times[i]), floor);
            }

            // Client CPU (this process and the pg_dump it waited for; not the server backend, the same work in every case)
            // is far less sensitive to other load than wall time: it shows what each variant costs the machine.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  client CPU (user+sys of pg_dump and this process), median: floor {Median(floorCpu).TotalSeconds:F2} s; ")
                + string.Join("; ", variants.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{v.Name}: {Median(cpu[i]).TotalSeconds:F2} s"))));

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dump size: pg_dump -Fc {new FileInfo(dumpFile).Length / 1048576.0:F1} MiB; ")
                + string.Join("; ", variants.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{v.Name}: {sizes[i] / 1048576.0:F1} MiB (row counts: {sources[i] ?? "none"})"))));
            foreach (var variant in variants)
            {
                await variant.Host.DisposeAsync();
            }

            // VmHWM is per process: each figure comes from a child that ran one backup and nothing else.
            foreach (var target in new[] { "file:" + storage, "s3rver:" + s3rver.Endpoint, "fauxqs:" + fauxqs.Endpoint })
            {
                var (peak, elapsed) = await RunChildProcessAsync(target, connectionString, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  peak memory of a process that ran one backup to {target.Split(':')[0]}: {peak / 1048576.0:F0} MiB (VmHWM; the process took {elapsed.TotalSeconds:F2} s, start-up included)"));
            }

            // The operator's process: 'dbresilience backup' (catalog on, as the CLI runs it), as published JIT and ReadyToRun.
            // BENCH_CLI=0 leaves it out.
            if (Environment.GetEnvironmentVariable("BENCH_CLI") != "0")
            {
                var cliStorage = Path.Combine(work, "cli-storage");
                var targets = new (string Name, string Uri)[]
                {
                    ("file", "file://" + cliStorage),
                    ("s3rver", "s3://bench/cli?endpoint=" + Uri.EscapeDataString(s3rver.Endpoint.ToString()) + "&region=us-east-1&pathStyle=true&compatibility=true"),
                    ("fauxqs", "s3://bench/cli?endpoint=" + Uri.EscapeDataString(fauxqs.Endpoint.ToString()) + "&region=us-east-1&pathStyle=true&partSizeMiB=" + (FauxqsPartSize / 1048576).ToString(CultureInfo.InvariantCulture)),
                };
                foreach (var build in await CliProcess.PublishAsync(work, cancellationToken))
                {
                    foreach (var (name, uri) in targets)
                    {
                        var environment = new Dictionary<string, string>(CliProcess.TestServerCredentials)
                        {
                            ["DBRESILIENCE_CONNECTION"] = connectionString,
                            ["DBRESILIENCE_STORAGE"] = uri,
                        };
                        var run = await CliProcess.RunAsync(build, ["backup", "--json"], environment, cancellationToken);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  peak memory of {build.Name} 'backup' to {name}: {run.PeakBytes / 1048576.0:F0} MiB (the process took {run.Time.TotalSeconds:F2} s, start-up included)"));
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunChildAsync(string target, CancellationToken cancellationToken)
    {
        var connectionString = Environment.GetEnvironmentVariable(ChildConnectionVariable)
            ?? throw new InvalidOperationException(ChildConnectionVariable + " is not set.");
        await using (var host = BuildHost(connectionString, target))
        {
            var storage = target.StartsWith("file:", StringComparison.Ordinal) ? target["file:".Length..] : null;
            await BackupAsync(host, storage, cancellationToken);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak-bytes: {Measure.PeakResidentBytes()}"));
    }

    private static async Task<(long PeakBytes, TimeSpan Elapsed)> RunChildProcessAsync(string target, string connectionString, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = Environment.ProcessPath!;
        }
        else
        {
            start.ArgumentList.Add(typeof(BackupBenchmark).Assembly.Location);
        }

        start.ArgumentList.Add("backup");
        start.Environment[ChildVariable] = target;
        start.Environment[ChildConnectionVariable] = connectionString;
        var (exitCode, output, error, elapsed) = await Measure.RunProcessAsync(start, cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("peak-bytes: ", StringComparison.Ordinal));
        if (exitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"the backup child process exited with {exitCode}: {output} {error}");
        }

        return (long.Parse(line["peak-bytes: ".Length..].Trim(), CultureInfo.InvariantCulture), elapsed);
    }

    /// <summary>Gets the CPU time of this process plus that of the children it waited for (/proc/self/stat utime, stime, cutime, cstime).</summary>
    private static TimeSpan ClientCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static async Task CreateBucketAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        });
        await client.PutBucketAsync("bench", cancellationToken);
    }

    /// <summary>Builds a host for one target: <c>file:PATH</c>, <c>s3rver:URL</c> (compatibility mode) or <c>fauxqs:URL</c> (SDK defaults).</summary>
    private static DbResilienceHost BuildHost(string connectionString, string target, bool countRows = true, int archiveLevel = 2)
    {
        var builder = new DbResilienceBuilder()
            .UsePostgreSql(connectionString)
            .ConfigureBackups(o =>
            {
                o.EnableCatalog = false;
                o.CountRows = countRows;
                o.ArchiveCompressionLevel = archiveLevel;
            });
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        var (kind, location) = (target[..colon], target[(colon + 1)..]);
        return (kind == "file"
            ? builder.UseFileSystemStorage(location)
            : builder.UseS3Storage(o =>
            {
                o.BucketName = "bench";
                o.ServiceUrl = new Uri(location);
                o.ForcePathStyle = true;
                o.CompatibilityMode = kind == "s3rver";
                o.Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey);
                if (kind == "fauxqs")
                {
                    o.PartSize = FauxqsPartSize;
                }
            })).Build();
    }

    private static async Task<(long Size, string? RowCountSource)> BackupAsync(DbResilienceHost host, string? storage, CancellationToken cancellationToken)
    {
        var result = await host.GetRequiredService<IBackupService>().CreateAsync(cancellationToken: cancellationToken);
        var directory = storage is null ? null : Path.Combine(storage, "backups", result.Manifest.Id);
        if (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        return (result.Manifest.SizeBytes, result.Manifest.RowCountSource);
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> operation)
    {
        var watch = Stopwatch.StartNew();
        await operation();
        return watch.Elapsed;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static async Task RunAsync(string tool, NpgsqlConnectionStringBuilder connection, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--host=" + connection.Host);
        start.ArgumentList.Add("--port=" + connection.Port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--username=" + connection.Username);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = connection.Password;
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(tool)} exited with {process.ExitCode}: {error}");
        }
    }
}
