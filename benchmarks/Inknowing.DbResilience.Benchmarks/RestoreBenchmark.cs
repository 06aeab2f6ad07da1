using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// <c>restore</c>: on <c>pgbench -i -s 50</c>, the library's restore with 2 jobs against <c>pg_restore -j 2</c> of the same
/// dump, then a drill's measured RTO and its linear extrapolation to 100 GB.
/// </summary>
internal sealed class RestoreBenchmark : IBenchmark
{
    public string Name => "restore";

    public string Description => "restore -j 2 vs pg_restore -j 2 of the same dump on pgbench -s 50 (target within 1.05x); drill RTO, extrapolated to 100 GB";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var scale = Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_SCALE") ?? "50";
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(cancellationToken: cancellationToken);
        await cluster.ExecuteAsync("CREATE DATABASE bench", cancellationToken);
        var connectionString = cluster.GetConnectionString("bench");
        var storage = Directory.CreateTempSubdirectory("dbresilience-bench-restore").FullName;
        try
        {
            var watch = Stopwatch.StartNew();
            await RunToolAsync(cluster, "pgbench", ["-i", "-q", "-s", scale, "bench"], cancellationToken);
            var size = await ScalarAsync<long>(connectionString, "SELECT pg_database_size('bench')", cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pgbench -i -s {scale}: {size / 1024.0 / 1024.0:F0} MiB database in {watch.Elapsed.TotalSeconds:F0} s"));

            await using var host = new DbResilienceBuilder()
                .UsePostgreSql(connectionString)
                .UseFileSystemStorage(storage)
                .ConfigureRestores(o => o.RecordHistory = false)
                .ConfigureDrills(o => o.Jobs = 2)
                .Build();
            var backup = await host.GetRequiredService<IBackupService>().CreateAsync(cancellationToken: cancellationToken);
            var dump = Directory.EnumerateFiles(storage, "data.dump", SearchOption.AllDirectories).Single();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  backup {backup.Manifest.Id}: {new FileInfo(dump).Length / 1024.0 / 1024.0:F0} MiB custom-format dump"));

            var runs = int.Parse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_RUNS") ?? "1", CultureInfo.InvariantCulture);
            var n = 0;
            var raw = await Measure.MedianAsync(runs, async () =>
            {
                var database = "raw_" + n++;
                await cluster.ExecuteAsync($"CREATE DATABASE {database} TEMPLATE template0", cancellationToken);
                await RunToolAsync(cluster, "pg_restore", ["--exit-on-error", "-j", "2", "-d", database, dump], cancellationToken);
                await cluster.ExecuteAsync($"DROP DATABASE {database}", cancellationToken);
            });
            var restore = host.GetRequiredService<IRestoreService>();
            var ours = await Measure.MedianAsync(runs, async () =>
            {
                var database = "lib_" + n++;
                await restore.RestoreAsync(new RestoreRequest { BackupId = backup.Manifest.Id, TargetDatabase = database, Jobs = 2 }, cancellationToken);
                await cluster.ExecuteAsync($"DROP DATABASE {database}", cancellationToken);
            });
            Measure.Row("pg_restore -j 2 (from the local dump file)", raw);
            Measure.Row("restore --jobs 2 (verify SHA-256, copy, pg_restore)", ours, raw);

            var report = await host.GetRequiredService<IDrillRunner>().RunAsync(backup.Manifest.Id, cancellationToken);
            foreach (var step in report.Steps)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    drill {step.Name,-20} {step.Duration.TotalSeconds,7:F1} s {(step.Passed ? "pass" : "FAIL")}"));
            }

            var rto = report.Rto ?? TimeSpan.Zero;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  drill {(report.Passed ? "passed" : "FAILED: " + report.FailureReason)}, measured RTO {rto.TotalSeconds:F1} s"));
            var extrapolated = TimeSpan.FromSeconds(rto.TotalSeconds * (100.0 * 1024 * 1024 * 1024 / size));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  RTO extrapolated linearly to 100 GB: {extrapolated.TotalMinutes:F0} min ({extrapolated.TotalHours:F1} h)"));
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    private static async Task RunToolAsync(LocalPostgreSqlCluster cluster, string tool, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(cluster.BinDirectory, tool)) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = cluster.Host;
        start.Environment["PGPORT"] = cluster.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = cluster.SuperuserName;
        start.Environment["PGPASSWORD"] = cluster.SuperuserPassword;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited with {process.ExitCode}: {error}");
        }
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
