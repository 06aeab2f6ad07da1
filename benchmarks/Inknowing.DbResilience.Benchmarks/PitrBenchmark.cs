using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// Point-in-time recovery on a pgbench database (scale DBRESILIENCE_BENCH_PITR_SCALE, default 50): base backup to a file storage
/// and to S3 (s3rver over HTTPS on 127.0.0.1) against raw pg_basebackup and pgBackRest 2.45 (lz4, process-max 2) to the same
/// kind of storage, in DBRESILIENCE_BENCH_PITR_ROUNDS interleaved rounds (default 3); restore against pgBackRest restore; and
/// the streaming receiver's lag under pgbench load.
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

            var rounds = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_PITR_ROUNDS"), CultureInfo.InvariantCulture, out var r) ? r : 3;
            var pgbackrest = FindOnPath("pgbackrest");
            if (pgbackrest is null)
            {
                Console.WriteLine("  pgBackRest not installed (eng/install-bench-tools.sh): peer skipped");
            }

            // S3: s3rver over HTTPS on 127.0.0.1 (pgBackRest's S3 repository speaks HTTPS only) with a throwaway self-signed
            // certificate; both tools write to it, ours trusting exactly that certificate, pgBackRest with verify-tls=n.
            var (certificate, key, thumbprint) = await CreateCertificateAsync(work, cancellationToken);
            await using var s3rver = await S3TestServer.StartS3rverAsync(certificate, key);
            using var s3Client = CreateTrustingClient(s3rver, thumbprint);
            await s3Client.PutBucketAsync("ours", cancellationToken);
            await s3Client.PutBucketAsync("pgbackrest", cancellationToken);
            using var s3Provider = new S3StorageProvider(
                new S3StorageOptions { BucketName = "ours", Prefix = "bench", ServiceUrl = s3rver.Endpoint, ForcePathStyle = true, CompatibilityMode = true },
                s3Client);
            await using var s3Storage = new StorageSet([s3Provider]);
            var s3BaseBackups = new BaseBackupService(s3Storage, postgreSql, options, TimeProvider.System);

            string? peerFileConfig = null;
            string? peerS3Config = null;
            var peerEnvironment = new Dictionary<string, string>
            {
                ["PGBACKREST_REPO1_S3_KEY"] = S3TestServer.AccessKey,
                ["PGBACKREST_REPO1_S3_KEY_SECRET"] = S3TestServer.SecretKey,
            };
            if (pgbackrest is not null)
            {
                peerFileConfig = await WritePgBackRestConfigAsync(work, "file", cluster, $"repo1-path={work}/pgbackrest-repo");
                peerS3Config = await WritePgBackRestConfigAsync(work, "s3", cluster,
                    "repo1-type=s3", "repo1-path=/bench", "repo1-s3-bucket=pgbackrest", "repo1-s3-endpoint=127.0.0.1", "repo1-s3-region=us-east-1",
                    $"repo1-storage-port={s3rver.Port}", "repo1-s3-uri-style=path", "repo1-storage-verify-tls=n");
                await RunAsync(pgbackrest, cluster, $"--config={peerFileConfig} --stanza=bench stanza-create", null, cancellationToken);
                await RunAsync(pgbackrest, cluster, $"--config={peerS3Config} --stanza=bench stanza-create", null, cancellationToken, peerEnvironment);
            }

            // Interleaved rounds; within a round the two tools swap order every other round.
            Console.WriteLine($"  base backups, {rounds} interleaved rounds, load average before: {LoadAverage()}");
            var times = new Dictionary<string, List<TimeSpan>>(StringComparer.Ordinal);
            BackupManifest? manifest = null;
            var raw = Path.Combine(work, "raw.tar.lz4");
            for (var round = 1; round <= rounds; round++)
            {
                await TimedAsync(times, "raw", () => RunAsync(Path.Combine(cluster.BinDirectory, "pg_basebackup"), cluster,
                    $"-h {cluster.Host} -p {cluster.Port} -U {cluster.SuperuserName} -D - -Ft -X fetch -c fast --compress=client-lz4", raw, cancellationToken));
                var previous = manifest;
                BackupManifest? inS3 = null;
                var steps = new List<(string Name, Func<Task> Run)>
                {
                    ("ours file", async () => manifest = await baseBackups.CreateAsync(cancellationToken)),
                    ("ours s3", async () => inS3 = await s3BaseBackups.CreateAsync(cancellationToken)),
                };
                if (pgbackrest is not null)
                {
                    steps.Insert(round % 2 == 0 ? 1 : 0, ("pgBackRest file", () => RunAsync(pgbackrest, cluster, $"--config={peerFileConfig} --stanza=bench --type=full --archive-check=n backup", null, cancellationToken)));
                    steps.Insert(round % 2 == 0 ? 3 : 2, ("pgBackRest s3", () => RunAsync(pgbackrest, cluster, $"--config={peerS3Config} --stanza=bench --type=full --archive-check=n backup", null, cancellationToken, peerEnvironment)));
                }

                foreach (var (name, run) in steps)
                {
                    await TimedAsync(times, name, run);
                }

                if (previous is not null)
                {
                    await baseBackups.DeleteAsync(previous, cancellationToken);
                }

                await s3BaseBackups.DeleteAsync(inS3!, cancellationToken);

                Console.WriteLine("    round " + round.ToString(CultureInfo.InvariantCulture) + ": "
                    + string.Join(", ", times.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value[^1].TotalSeconds:F2} s"))));
            }

            Console.WriteLine($"  load average after: {LoadAverage()}; medians of {rounds} rounds:");
            var median = times.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2), StringComparer.Ordinal);
            Measure.Row("raw pg_basebackup -Ft -X fetch lz4 > file", median["raw"]);
            Measure.Row($"dbresilience basebackup to file (lz4, {manifest!.SizeBytes / 1024 / 1024} MiB)", median["ours file"], median["raw"]);
            Measure.Row("dbresilience basebackup to S3 (s3rver, HTTPS)", median["ours s3"], median["raw"]);
            if (pgbackrest is not null)
            {
                Measure.Row("pgBackRest 2.45 full to file (lz4, process-max 2)", median["pgBackRest file"], median["raw"]);
                Measure.Row("pgBackRest 2.45 full to S3 (s3rver, HTTPS)", median["pgBackRest s3"], median["raw"]);
                Measure.Row("dbresilience vs pgBackRest, file", median["ours file"], median["pgBackRest file"]);
                Measure.Row("dbresilience vs pgBackRest, S3", median["ours s3"], median["pgBackRest s3"]);
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
                $"  streaming RPO under pgbench -c 2 (flush every {new PointInTimeOptions().PartialFlushInterval.TotalSeconds:0.0##} s): median {lags[lags.Count / 2]:F2} s, p95 {lags[(int)(lags.Count * 0.95)]:F2} s, max {lags[^1]:F2} s ({lags.Count} samples)"));
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
            if (pgbackrest is not null && peerFileConfig is not null)
            {
                var peerTarget = Path.Combine(work, "peer-restored");
                await RunAsync("/usr/bin/install", cluster, $"-d -m 0700 -o postgres -g postgres {peerTarget}", null, cancellationToken);
                var peerRestore = await TimeAsync(() => RunAsync(pgbackrest, cluster, $"--config={peerFileConfig} --stanza=bench --pg1-path={peerTarget} --type=immediate --target-action=promote restore", null, cancellationToken));
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

    private static async Task TimedAsync(Dictionary<string, List<TimeSpan>> times, string name, Func<Task> operation)
    {
        var time = await TimeAsync(operation);
        if (!times.TryGetValue(name, out var list))
        {
            times[name] = list = [];
        }

        list.Add(time);
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static async Task<string> WritePgBackRestConfigAsync(string work, string name, LocalPostgreSqlCluster cluster, params string[] repository)
    {
        var path = Path.Combine(work, $"pgbackrest-{name}.conf");
        await File.WriteAllTextAsync(path, string.Join('\n', repository.Prepend("[global]").Concat(
        [
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
            "",
        ])));
        return path;
    }

    /// <summary>Makes a throwaway self-signed certificate for 127.0.0.1 with openssl; returns its PEM files and SHA-256 thumbprint.</summary>
    private static async Task<(string Certificate, string Key, string Thumbprint)> CreateCertificateAsync(string work, CancellationToken cancellationToken)
    {
        var certificate = Path.Combine(work, "s3rver-cert.pem");
        var key = Path.Combine(work, "s3rver-key.pem");
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", certificate,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl could not make the s3rver certificate: " + await error);
        }

        using var loaded = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificate, cancellationToken));
        return (certificate, key, loaded.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>Creates an S3 client for the HTTPS s3rver that trusts its one self-signed certificate (by thumbprint) and nothing else extra.</summary>
    private static AmazonS3Client CreateTrustingClient(S3TestServer server, string thumbprint)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            HttpClientFactory = new PinnedCertificateHttpClientFactory(thumbprint),
        };
        return new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), config);
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static async Task RunAsync(
        string fileName, LocalPostgreSqlCluster cluster, string arguments, string? output, CancellationToken cancellationToken, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = cluster.SuperuserPassword;
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

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

    /// <summary>Hands the AWS SDK an HttpClient that accepts the server's certificate only when its SHA-256 thumbprint is the expected one.</summary>
    private sealed class PinnedCertificateHttpClientFactory(string thumbprint) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
#pragma warning disable CA2000 // The HttpClient owns and disposes the handler.
            var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, errors)
                    => errors == SslPolicyErrors.None || string.Equals(certificate?.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase),
            };
#pragma warning restore CA2000
            return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }
    }
}
