using Amazon.Runtime;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// A base backup streamed to two real S3 servers at once (s3rver with the compatibility setting, fauxqs with the AWS SDK
/// defaults), WAL pushed there by the API and by the CLI's <c>wal-push</c>, then the window, <c>wal-fetch</c> and a restore to
/// a time from each S3 server alone, against a local PostgreSQL cluster of its own with archiving on.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PointInTimeS3Tests
{
    private static readonly Dictionary<string, int> PartSizes = new(StringComparer.Ordinal)
    {
        ["s3rver"] = S3StorageOptions.MinimumPartSize,
        ["fauxqs"] = S3StorageOptions.MinimumPartSize, // fauxqs refuses request bodies over 11 MiB, and up to two parts go in one PutObject.
    };

    private readonly string _bucket = "pitr-" + Guid.NewGuid().ToString("N")[..8];
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private BackupManifest _manifest = null!;
    private DateTimeOffset _time;
    private string _lastSegment = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-pitr-s3-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });

        // Barely compressible rows, so that the lz4 tar is larger than one part on both servers (multipart uploads).
        await _cluster.ExecuteAsync("CREATE TABLE marks (note text PRIMARY KEY)");
        await _cluster.ExecuteAsync(
            "CREATE TABLE noise AS SELECT string_agg(md5(random()::text) || md5(random()::text), '') AS filler FROM generate_series(1, 400000) g GROUP BY g % 4000");
        await using (var both = CreateStorage(TestServers.S3Servers))
        {
            foreach (var provider in both.Providers)
            {
                await provider.Client.PutBucketAsync(_bucket);
            }

            _manifest = await both.BaseBackups.CreateAsync();
            await _cluster.ExecuteAsync("INSERT INTO marks VALUES ('before-time')");
            _time = await ScalarAsync<DateTime>(_cluster, "SELECT clock_timestamp()");
            await Task.Delay(50);
            await _cluster.ExecuteAsync("INSERT INTO marks VALUES ('after-time')");
            _lastSegment = await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);

            // Everything but the last segment through the API; the last one through the CLI too, as archive_command would.
            await PitrTestCluster.PushArchiveAsync(_cluster, both.Archive, except: _lastSegment);
        }

        // The last segment through the CLI, as archive_command would (fauxqs refuses bodies over 11 MiB, and up to two parts go in one PutObject: partSizeMiB=5).
        foreach (var server in TestServers.S3Servers)
        {
            var push = RunCli(server, "wal-push", Path.Combine(_cluster.ArchiveDirectory, _lastSegment));
            push.ExitCode.Should().Be(0, server.Name + ": " + push.Output);
        }
    }

    [OneTimeTearDown]
    public Task TearDown() => PitrTestCluster.TearDownAsync(_cluster, _work);

    [TestCase("s3rver")]
    [TestCase("fauxqs")]
    public async Task CreateAsync_BaseBackupToS3_MultipartObjectMatchesTheManifest(string serverName)
    {
        await using var storage = CreateStorage([Server(serverName)]);

        var listed = await storage.BaseBackups.ListAsync();
        var info = await storage.Providers[0].GetInfoAsync(_manifest.DataKey());

        listed.Should().ContainSingle().Which.Id.Should().Be(_manifest.Id);
        _manifest.Locations.Should().HaveCount(2);
        _manifest.SizeBytes.Should().BeGreaterThan(2L * PartSizes[serverName], "the tar must have gone up in several parts (up to two go in one PutObject)");
        info!.Size.Should().Be(_manifest.SizeBytes);
        info.Sha256.Should().Be(_manifest.Sha256);
    }

    [TestCase("s3rver")]
    [TestCase("fauxqs")]
    public async Task PushAsync_ToS3_SameBytesIdempotent_DifferentBytesRefused_FetchReturnsTheSameBytes(string serverName)
    {
        await using var storage = CreateStorage([Server(serverName)]);
        var segment = Path.Combine(_cluster.ArchiveDirectory, _lastSegment);

        var again = await storage.Archive.PushAsync(segment);
        var conflicting = Path.Combine(Directory.CreateDirectory(Path.Combine(_work, serverName + "-conflict")).FullName, _lastSegment);
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[4096] ^= 0xFF;
        await File.WriteAllBytesAsync(conflicting, bytes);
        var push = () => storage.Archive.PushAsync(conflicting);
        var fetchedByApi = Path.Combine(_work, serverName + "-api");
        var fetched = await storage.Archive.FetchAsync(_lastSegment, fetchedByApi);
        var fetchedByCli = Path.Combine(_work, serverName + "-cli");
        var cli = RunCli(Server(serverName), "wal-fetch", _lastSegment, fetchedByCli);
        var missing = RunCli(Server(serverName), "wal-fetch", "0000000100000099000000FF", Path.Combine(_work, serverName + "-missing"));

        again.AlreadyStored.Should().BeTrue();
        (await push.Should().ThrowAsync<WalArchiveConflictException>()).Which.Message.Should().Contain(_lastSegment);
        fetched.Should().BeTrue();
        (await File.ReadAllBytesAsync(fetchedByApi)).Should().Equal(await File.ReadAllBytesAsync(segment));
        cli.ExitCode.Should().Be(0, cli.Output);
        (await File.ReadAllBytesAsync(fetchedByCli)).Should().Equal(await File.ReadAllBytesAsync(segment));
        missing.ExitCode.Should().Be(1, "restore_command must fail for a segment that is not archived: " + missing.Output);
    }

    [Test]
    public void WalFetch_StorageUriWithPartSizeUnderFiveMiB_ExitsTwoNamingTheParameter()
    {
        var result = PitrCli.RunCli(
            new()
            {
                ["DBRESILIENCE_STORAGE"] = $"s3://{_bucket}/cluster?endpoint={TestServers.S3rver.Endpoint}&pathStyle=true&partSizeMiB=4",
                ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
            },
            ["wal-fetch", _lastSegment, Path.Combine(_work, "never-fetched")]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Output.Should().Contain("partSizeMiB='4'").And.Contain("5 to 2047");
        File.Exists(Path.Combine(_work, "never-fetched")).Should().BeFalse();
    }

    [TestCase("s3rver")]
    [TestCase("fauxqs")]
    public async Task RestoreAsync_TimeFromS3Only_KeepsCommitsBeforeTheTimeOnly(string serverName)
    {
        await using var storage = CreateStorage([Server(serverName)]);

        var window = await storage.Restorer.GetWindowAsync();
        var result = await storage.Restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "restore-" + serverName),
            Target = RecoveryTarget.AtTime(_time),
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var restored = result.Cluster!;
        var notes = new List<string>();
        await using (var connection = new NpgsqlConnection(restored.ConnectionString))
        {
            await connection.OpenAsync();
            await using var reader = await new NpgsqlCommand("SELECT note FROM marks ORDER BY note", connection).ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                notes.Add(reader.GetString(0));
            }
        }

        window.Problems.Should().BeEmpty();
        window.RestorableBaseBackups.Should().Equal(_manifest.Id);
        result.BaseBackup.Id.Should().Be(_manifest.Id);
        result.RecoveryStop.Should().Contain("recovery stopping");
        notes.Should().Equal("before-time");
        (await ScalarAsync<long>(restored, "SELECT count(*) FROM noise")).Should().Be(4000);
    }

    private static S3TestServer Server(string name) => name == "s3rver" ? TestServers.S3rver : TestServers.Fauxqs;

    private static Task<T> ScalarAsync<T>(LocalPostgreSqlCluster cluster, string sql) => PitrTestCluster.ScalarAsync<T>(cluster, sql);

    private PitrStorage CreateStorage(IEnumerable<S3TestServer> servers)
    {
        var providers = servers.Select(server => new S3StorageProvider(new S3StorageOptions
        {
            BucketName = _bucket,
            Prefix = "cluster",
            ServiceUrl = server.Endpoint,
            ForcePathStyle = true,
            CompatibilityMode = server.RequiresCompatibilityMode,
            Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
            PartSize = PartSizes[server.Name],
        })).ToList();
        return new PitrStorage(providers, _cluster.ConnectionString);
    }

    /// <summary>Runs the CLI against one S3 server, configured as an operator would: the storage URI plus AWS_* variables.</summary>
    private (int ExitCode, string Output) RunCli(S3TestServer server, params string[] arguments) => PitrCli.RunCli(
        new()
        {
            ["DBRESILIENCE_STORAGE"] = $"s3://{_bucket}/cluster?endpoint={server.Endpoint}&region=us-east-1&pathStyle=true&compatibility={(server.RequiresCompatibilityMode ? "true" : "false")}&partSizeMiB={PartSizes[server.Name] / (1024 * 1024)}",
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
        },
        arguments);

    /// <summary>The point-in-time services over a set of S3 storages it owns.</summary>
    private sealed class PitrStorage : IAsyncDisposable
    {
        private readonly StorageSet _set;

        public PitrStorage(IReadOnlyList<S3StorageProvider> providers, string connectionString)
        {
            Providers = providers;
            _set = new StorageSet(providers);
            var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = connectionString });
            var options = Options.Create(new PointInTimeOptions());
            Archive = new WalArchive(_set);
            BaseBackups = new BaseBackupService(_set, postgreSql, options, TimeProvider.System);
            Restorer = new PointInTimeRestorer(BaseBackups, Archive, postgreSql, options);
        }

        public IReadOnlyList<S3StorageProvider> Providers { get; }

        public WalArchive Archive { get; }

        public BaseBackupService BaseBackups { get; }

        public PointInTimeRestorer Restorer { get; }

        public async ValueTask DisposeAsync()
        {
            await _set.DisposeAsync();
            foreach (var provider in Providers)
            {
                provider.Dispose();
            }
        }
    }
}
