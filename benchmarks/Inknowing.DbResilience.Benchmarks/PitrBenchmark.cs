using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// Point-in-time recovery on a pgbench database (scale DBRESILIENCE_BENCH_PITR_SCALE, default 50): base backup to a file storage
/// against raw pg_basebackup and pgBackRest 2.45 (lz4, process-max 2, posix repo), restore against pgBackRest restore, and the
/// streaming receiver's lag under pgbench load.
/// </summary>
internal sealed class PitrBenchmark : IBenchmark
{
    public string Name => "pitr";

    public string Description => "base backup and PITR restore vs raw pg_basebackup and pgBackRest; streaming lag under pgbench";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var scale = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_PITR_SCALE"), CultureInfo.InvariantCulture, out var s) ? s : 50;
        var work = Path.Combine(Path.GetTempPath(), "dbresilience-bench-pitr-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(
                new LocalClusterOptions { ReplicationRole = "replicator", Settings = { ["max_wal_size"] = "'2GB'" } }, cancellationToken);
            await Pgbench(cluster, cancellationToken, "-i", "-q", "-s", scale.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"  pgbench -i -s {scale}: database of {await ScalarAsync<long>(cluster, "SELECT pg_database_size('postgres')") / 1024 / 1024} MiB");

            var storagePath = Path.Combine(work, "storage");
            await using var storage = new StorageSet([new FileSystemStorageProvider(storagePath)]);
            var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = cluster.ConnectionString });
            var options = Options.Create(new PointInTimeOptions());
            var archive = new WalArchive(storage);
            var baseBackups = new BaseBackupService(storage, postgreSql, options, TimeProvider.System);
            var restorer = new PointInTimeRestorer(baseBackups, archive, postgreSql, options);

            // The receiver runs throughout, so that the base backup's WAL is in storage and the streaming lag can be measured.
            using var receiver = new WalReceiver(archive, postgreSql, Options.Create(new PointInTimeOptions { SlotName = "bench" }));
            using var stopReceiver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiving = receiver.RunAsync(stopReceiver.Token);

            var raw = Path.Combine(work, "raw.tar.lz4");
            var rawTime = await TimeAsync(() => RunAsync(Path.Combine(cluster.BinDirectory, "pg_basebackup"), cluster,
                $"-h {cluster.Host} -p {cluster.Port} -U {cluster.SuperuserName} -D - -Ft -X fetch -c fast --compress=client-lz4", raw, cancellationToken));
            Measure.Row("raw pg_basebackup -Ft -X fetch lz4 > file", rawTime);
            BaseBackupManifest? manifest = null;
            var ours = await TimeAsync(async () => manifest = await baseBackups.CreateAsync(cancellationToken));
            Measure.Row($"dbresilience basebackup (lz4, {manifest!.Size / 1024 / 1024} MiB)", ours, rawTime);

            var pgbackrest = FindOnPath("pgbackrest");
            TimeSpan? peerBackup = null;
            string? peerConfig = null;
            if (pgbackrest is null)
            {
                Console.WriteLine("  pgBackRest not installed (eng/install-bench-tools.sh): peer skipped");
            }
            else
            {
                peerConfig = await WritePgBackRestConfigAsync(work, cluster);
                await RunAsync(pgbackrest, cluster, $"--config={peerConfig} --stanza=bench stanza-create", null, cancellationToken);
                peerBackup = await TimeAsync(() => RunAsync(pgbackrest, cluster, $"--config={peerConfig} --stanza=bench --type=full --archive-check=n backup", null, cancellationToken));
                Measure.Row("pgBackRest 2.45 full backup (lz4, process-max 2)", peerBackup.Value, rawTime);
                Measure.Row("dbresilience basebackup vs pgBackRest", ours, peerBackup);
            }

            // Streaming lag under load: how far the stored WAL trails the server's flushed WAL, sampled every 100 ms.
            var lags = new List<double>();
            using (var load = Pgbench(cluster, "-c", "2", "-T", "10", "-n"))
            {
                await using var connection = new NpgsqlConnection(cluster.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                var samples = new Dictionary<ulong, long>();
                var clock = Stopwatch.StartNew();
                while (!load.HasExited)
                {
                    var flushed = (ulong)await ScalarAsync<NpgsqlLogSequenceNumber>(cluster, "SELECT pg_current_wal_flush_lsn()");
                    samples[flushed] = clock.ElapsedMilliseconds;
                    var stored = (ulong)receiver.StoredLsn;
                    var oldestUnstored = samples.Where(p => p.Key > stored).Select(p => (long?)p.Value).Min();
                    lags.Add(oldestUnstored is { } t ? (clock.ElapsedMilliseconds - t) / 1000.0 : 0);
                    await Task.Delay(100, cancellationToken);
                }
            }

            lags.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  streaming RPO under pgbench -c 2 (flush every 1 s): median {lags[lags.Count / 2]:F2} s, p95 {lags[(int)(lags.Count * 0.95)]:F2} s, max {lags[^1]:F2} s ({lags.Count} samples)"));
            Console.WriteLine("  archive_command RPO: up to archive_timeout (60 s recommended) plus the time to push a segment");

            var insertLsn = await ScalarAsync<NpgsqlLogSequenceNumber>(cluster, "SELECT pg_current_wal_insert_lsn()");
            await cluster.ExecuteAsync("SELECT pg_switch_wal()", cancellationToken);
            while (receiver.StoredLsn < insertLsn)
            {
                await Task.Delay(100, cancellationToken);
            }

            await stopReceiver.CancelAsync();
            await receiving;

            var restoreTime = await TimeAsync(async () =>
            {
                var result = await restorer.RestoreAsync(
                    new PointInTimeRestoreRequest { TargetDirectory = Path.Combine(work, "restored"), Target = RecoveryTarget.Latest, Start = true },
                    cancellationToken);
                await result.Cluster!.DisposeAsync();
            });
            Measure.Row("dbresilience pitr restore --latest --start", restoreTime);
            if (pgbackrest is not null && peerConfig is not null)
            {
                var peerTarget = Path.Combine(work, "peer-restored");
                await RunAsync("/usr/bin/install", cluster, $"-d -m 0700 -o postgres -g postgres {peerTarget}", null, cancellationToken);
                var peerRestore = await TimeAsync(() => RunAsync(pgbackrest, cluster, $"--config={peerConfig} --stanza=bench --pg1-path={peerTarget} --type=immediate --target-action=promote restore", null, cancellationToken));
                Measure.Row("pgBackRest 2.45 restore (files only, process-max 2)", peerRestore, restoreTime);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> operation)
    {
        var watch = Stopwatch.StartNew();
        await operation();
        return watch.Elapsed;
    }

    private static async Task<string> WritePgBackRestConfigAsync(string work, LocalPostgreSqlCluster cluster)
    {
        var path = Path.Combine(work, "pgbackrest.conf");
        await File.WriteAllTextAsync(path, string.Join('\n',
            "[global]",
            $"repo1-path={work}/pgbackrest-repo",
            "repo1-retention-full=1",
            "process-max=2",
            "compress-type=lz4",
            "start-fast=y",
            "log-level-console=warn",
            "log-level-file=off",
            $"lock-path={work}/pgbackrest-lock",
            "",
            "[bench]",
            $"pg1-path={cluster.DataDirectory}",
            $"pg1-port={cluster.Port}",
            $"pg1-socket-path={cluster.RootDirectory}",
            $"pg1-user={cluster.SuperuserName}",
            ""));
        return path;
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static async Task RunAsync(string fileName, LocalPostgreSqlCluster cluster, string arguments, string? output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = cluster.SuperuserPassword;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        if (output is null)
        {
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
        }
        else
        {
            await using var file = File.Create(output);
            await process.StandardOutput.BaseStream.CopyToAsync(file, cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} {arguments} exited with {process.ExitCode}: {await error}");
        }
    }

    private static async Task Pgbench(LocalPostgreSqlCluster cluster, CancellationToken cancellationToken, params string[] arguments)
    {
        using var process = Pgbench(cluster, arguments);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench {string.Join(' ', arguments)} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }
    }

    private static Process Pgbench(LocalPostgreSqlCluster cluster, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(cluster.BinDirectory, "pgbench")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", cluster.Host, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", cluster.SuperuserName }.Concat(arguments).Append("postgres"))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = cluster.SuperuserPassword;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    private static async Task<T> ScalarAsync<T>(LocalPostgreSqlCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        return (T)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }
}
