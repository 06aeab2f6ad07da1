using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using System.Diagnostics;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// <c>backup</c>: IBackupService.CreateAsync (custom format) to file storage against <c>pg_dump -Fc</c> to a file (the floor),
/// on a <c>pgbench -i -s 50</c> database in a throwaway cluster; prints the ratio and this process's peak memory.
/// </summary>
internal sealed class BackupBenchmark : IBenchmark
{
    public string Name => "backup";

    public string Description => "logical backup to file storage vs pg_dump -Fc > file, on pgbench -i -s 50 (BENCH_BACKUP_SCALE, BENCH_RUNS)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
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
                $"  pgbench -i -s {scale}: {bytes / 1024.0 / 1024.0:F0} MiB in {watch.Elapsed.TotalSeconds:F0} s; {runs} run(s) each, median"));
        }

        var work = Path.Combine(Path.GetTempPath(), "dbresilience-bench-backup-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            // The three variants run interleaved, run after run, so that load from other processes on the machine hits them alike.
            var dumpFile = Path.Combine(work, "floor.dump");
            var storage = Path.Combine(work, "storage");
            await using var host = BuildHost(connectionString, storage, countRows: true);
            await using var noCounts = BuildHost(connectionString, storage, countRows: false);
            var floorTimes = new List<TimeSpan>();
            var oursTimes = new List<TimeSpan>();
            var noCountTimes = new List<TimeSpan>();
            long storedSize = 0;
            for (var run = 0; run < runs; run++)
            {
                floorTimes.Add(await TimeAsync(() => RunAsync(Path.Combine(cluster.BinDirectory, "pg_dump"), connection, ["--dbname=bench", "--format=custom", "--file=" + dumpFile], cancellationToken)));
                oursTimes.Add(await TimeAsync(async () => storedSize = await BackupAsync(host, storage, cancellationToken)));
                noCountTimes.Add(await TimeAsync(() => BackupAsync(noCounts, storage, cancellationToken)));
            }

            var floor = Median(floorTimes);
            var floorSize = new FileInfo(dumpFile).Length;
            Measure.Row("pg_dump -Fc --file (floor)", floor);
            Measure.Row("backup to file storage (row counts on)", Median(oursTimes), floor);
            Measure.Row("backup to file storage (row counts off)", Median(noCountTimes), floor);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  dump size: pg_dump {floorSize / 1024.0 / 1024.0:F1} MiB, backup {storedSize / 1024.0 / 1024.0:F1} MiB; peak memory of this process (VmHWM) {Measure.PeakResidentBytes() / 1024.0 / 1024.0:F0} MiB"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static DbResilienceHost BuildHost(string connectionString, string storage, bool countRows)
        => new DbResilienceBuilder()
            .UsePostgreSql(connectionString)
            .UseFileSystemStorage(storage)
            .ConfigureBackups(o =>
            {
                o.EnableCatalog = false;
                o.CountRows = countRows;
            })
            .Build();

    private static async Task<long> BackupAsync(DbResilienceHost host, string storage, CancellationToken cancellationToken)
    {
        var result = await host.GetRequiredService<IBackupService>().CreateAsync(cancellationToken: cancellationToken);
        Directory.Delete(Path.Combine(storage, "backups", result.Manifest.Id), recursive: true);
        return result.Manifest.SizeBytes;
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
