using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// A hostile tester's table: one store holding two logical backups, a base backup and a chain of archived WAL with rows in
/// every segment, across a promotion to timeline 2 (so a history file too), built once against a PostgreSQL 15 cluster of its
/// own. Each case hard-links a copy of the store, damages one stored thing one way, and runs every verb that reads it through
/// the CLI: each must exit 1 and name the file. A restore that is allowed to stop early must say exactly what it did not replay,
/// and an intact store must restore every row.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ArchiveCorruptionTests
{
    private const int RowsPerBatch = 5000;

    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private string _pristine = null!;
    private string _oldBackup = null!;
    private string _newBackup = null!;
    private BackupManifest _base = null!;
    private readonly List<string> _batchSegments = [];
    private long _rowsBeforeMiddle;
    private long _rowsTotal;
    private int _case;

    /// <summary>Something stored that a verb reads.</summary>
    public enum Artifact
    {
        LogicalData,
        LogicalManifest,
        LogicalDataSidecar,
        LogicalManifestSidecar,
        BaseBackup,
        BaseManifest,
        BaseBackupSidecar,
        WalSegment,
        WalSidecar,
        HistoryFile,
    }

    /// <summary>A way to damage it.</summary>
    public enum Corruption
    {
        ByteFlip,
        Truncation,
        Extension,
        Replacement,
        Deletion,
    }

    public static IEnumerable<TestCaseData> Cases()
        => from artifact in Enum.GetValues<Artifact>()
           from corruption in Enum.GetValues<Corruption>()
           select new TestCaseData(artifact, corruption);

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        var stopwatch = Stopwatch.StartNew();
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-corrupt-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _pristine = Path.Combine(_work, "store");
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });
        await _cluster.ExecuteAsync("CREATE TABLE batches (batch int, n int, pad text)");
        await InsertBatchAsync(_cluster, 0);

        // Two logical backups (the older one is the victim, the newer one provides replacements and keeps 'latest' apart).
        await using (var host = new DbResilienceBuilder().UsePostgreSql(_cluster.ConnectionString).UseFileSystemStorage(_pristine).Build())
        {
            var backups = host.GetRequiredService<IBackupService>();
            _oldBackup = (await backups.CreateAsync()).Manifest.Id;
            await _cluster.ExecuteAsync("INSERT INTO batches VALUES (-1, 0, 'between the logical backups')");
            await Task.Delay(1100); // backup ids carry the second
            _newBackup = (await backups.CreateAsync()).Manifest.Id;
        }

        using var storage = new StorageSet([new FileSystemStorageProvider(_pristine)]);
        var (archive, baseBackups, restorer) = Services(storage, _cluster.ConnectionString);
        _base = await baseBackups.CreateAsync();

        // Timeline 1: one batch of rows per segment.
        for (var batch = 1; batch <= 4; batch++)
        {
            await InsertBatchAsync(_cluster, batch);
            _batchSegments.Add(await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster));
            if (batch == 1)
            {
                _rowsBeforeMiddle = await PitrTestCluster.ScalarAsync<long>(_cluster, "SELECT count(*) FROM batches");
            }
        }

        await PitrTestCluster.PushArchiveAsync(_cluster, archive);

        // Timeline 2: a restored copy, promoted, writes two more batches and archives them (history file included).
        var archive2 = Path.Combine(_work, "archive2");
        Directory.CreateDirectory(archive2);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(archive2, (UnixFileMode)0x1FF); // written by the server's OS user
        }
        var promoted = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "timeline2"),
            Target = RecoveryTarget.Latest,
            Start = true,
            Settings = new Dictionary<string, string>
            {
                ["fsync"] = "off",
                ["archive_mode"] = "on",
                ["archive_command"] = $"cp %p {archive2}/%f.tmp && mv {archive2}/%f.tmp {archive2}/%f",
            },
        });
        await using (var timeline2 = promoted.Cluster!)
        {
            for (var batch = 5; batch <= 6; batch++)
            {
                await InsertBatchAsync(timeline2, batch);
                await PitrTestCluster.SwitchAndWaitForArchiveAsync(timeline2);
            }

            _rowsTotal = await PitrTestCluster.ScalarAsync<long>(timeline2, "SELECT count(*) FROM batches");
            await Task.Delay(500); // the history file and the old timeline's .partial are archived right after the promotion
            foreach (var file in Directory.EnumerateFiles(archive2).Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)).Order())
            {
                await archive.PushAsync(file);
            }
        }

        File.Exists(Path.Combine(_pristine, "wal", "00000002", "00000002.history")).Should().BeTrue("the promotion archives its history file");
        TestContext.Progress.WriteLine(
            $"corruption fixture: {Directory.EnumerateFiles(_pristine, "*", SearchOption.AllDirectories).Count()} files, rows {_rowsBeforeMiddle} before {MiddleSegment}, {_rowsTotal} in all, {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public async Task TearDown() => await PitrTestCluster.TearDownAsync(_cluster, _work);

    private string MiddleSegment => _batchSegments[1];

    [Test]
    public async Task VerifyWindowAsync_IntactStore_NoProblemAcrossThePromotion()
    {
        using var storage = new StorageSet([new FileSystemStorageProvider(_pristine)]);
        var window = await Services(storage, _cluster.ConnectionString).Restorer.VerifyWindowAsync();

        window.Problems.Should().BeEmpty();
        window.LatestTimeline.Should().Be(2);
        window.RestorableBaseBackups.Should().Equal(_base.Id);
    }

    [Test]
    public async Task RestoreAsync_IntactStoreLatest_EveryRowOfBothTimelines()
    {
        using var storage = new StorageSet([new FileSystemStorageProvider(_pristine)]);
        var result = await Services(storage, _cluster.ConnectionString).Restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "intact-latest"),
            Target = RecoveryTarget.Latest,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var restored = result.Cluster!;

        (await PitrTestCluster.ScalarAsync<long>(restored, "SELECT count(*) FROM batches")).Should().Be(_rowsTotal);
        result.EarlyStop.Should().BeNull();
        result.ReplayedToLsn.Should().NotBeNull();
    }

    [Test]
    public async Task RestoreAsync_MiddleSegmentMissingEarlyStopAllowed_StopsBeforeItAndSaysWhatWasNotReplayed()
    {
        var store = CopyStore();
        File.Delete(PathOf(store, Artifact.WalSegment));
        using var storage = new StorageSet([new FileSystemStorageProvider(store)]);
        var restorer = Services(storage, _cluster.ConnectionString).Restorer;

        var refused = () => restorer.RestoreAsync(new PointInTimeRestoreRequest { TargetDirectory = Path.Combine(store, "..", "refused"), Target = RecoveryTarget.Latest });
        (await refused.Should().ThrowAsync<PointInTimeException>()).Which.Message.Should().Contain(MiddleSegment).And.Contain("--allow-early-stop");
        Directory.Exists(Path.Combine(store, "..", "refused")).Should().BeFalse();

        var result = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(store, "..", "early"),
            Target = RecoveryTarget.Latest,
            AllowEarlyStop = true,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var restored = result.Cluster!;

        (await PitrTestCluster.ScalarAsync<long>(restored, "SELECT count(*) FROM batches")).Should().Be(_rowsBeforeMiddle);
        var early = result.EarlyStop!;
        early.FirstNotReplayed.Should().Be(MiddleSegment);
        early.Reason.Should().Contain(MiddleSegment).And.Contain("missing");
        early.FilesNotReplayed.Should().BeGreaterThanOrEqualTo(4, "two segments of timeline 1, the old timeline's .partial and two of timeline 2 are behind the gap");
        early.BytesNotReplayed.Should().BeGreaterThan(3 * WalSegmentName.SegmentSize);
        early.StopLsn.Should().Be(result.ReplayedToLsn);
        early.StopTime.Should().NotBeNull();
        early.ArchiveEndStoredAt.Should().BeOnOrAfter(early.LastReplayedStoredAt);
    }

    [Test]
    public void Cli_PitrRestoreMissingSegmentEarlyStopAllowed_JsonSaysWhatIsLost()
    {
        var store = CopyStore();
        File.Delete(PathOf(store, Artifact.WalSegment));

        var (exitCode, output, error) = PitrCli.RunSeparately(PitrCli.DotnetPath, Environment(store),
            PitrCli.DllPath, "pitr", "restore", "--latest", "--allow-early-stop", "--json", "--target-dir", Path.Combine(store, "..", "restore"));

        exitCode.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        var early = json.RootElement.GetProperty("earlyStop");
        early.GetProperty("firstNotReplayed").GetString().Should().Be(MiddleSegment);
        early.GetProperty("filesNotReplayed").GetInt32().Should().BeGreaterThanOrEqualTo(4);
        early.GetProperty("stopLsn").GetString().Should().NotBeNullOrEmpty();
        early.GetProperty("archiveEndLsn").GetString().Should().NotBeNullOrEmpty();
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Verbs_DamagedArtifact_RefuseNamingIt(Artifact artifact, Corruption corruption)
    {
        var store = CopyStore();
        var path = PathOf(store, artifact);
        var what = Corrupt(store, artifact, corruption, path);
        var name = NameIn(artifact);
        var verbs = VerbsFor(artifact, store).ToList();

        var runs = await Task.WhenAll(verbs.Select(verb => Task.Run(() => (Verb: verb, Result: PitrCli.RunCli(Environment(store), verb)))));

        var wrong = runs.Where(r => r.Result.ExitCode != (r.Verb[0] == "wal-fetch" ? 126 : 1) || !r.Result.Output.Contains(name, StringComparison.Ordinal))
            .Select(r => $"'{string.Join(' ', r.Verb)}' exited {r.Result.ExitCode}: {r.Result.Output}")
            .ToList();
        wrong.Should().BeEmpty($"{what} must make every verb that reads it refuse naming {name} (exit 1; wal-fetch 126, which stops PostgreSQL's recovery)");
        Directory.Exists(Path.Combine(store, "..", "restore")).Should().BeFalse("a refused restore leaves nothing behind");
    }

    [Test]
    public async Task S3_DamagedSegmentAndManifestWithRewrittenChecksums_Refused()
    {
        var server = TestServers.Fauxqs;
        var bucket = "corrupt-" + Guid.NewGuid().ToString("N")[..8];
        using var s3 = new S3StorageProvider(new S3StorageOptions
        {
            BucketName = bucket,
            Prefix = "db",
            ServiceUrl = server.Endpoint,
            ForcePathStyle = true,
            Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
            PartSize = S3StorageOptions.MinimumPartSize, // fauxqs refuses bodies over 11 MiB, and up to two parts go in one PutObject
        });
        await s3.Client.PutBucketAsync(bucket);
        var copied = await new StorageCopier().CopyAsync(new FileSystemStorageProvider(_pristine), s3, string.Empty);
        copied.Where(c => c.Outcome != "copied").Should().BeEmpty();

        // Both damaged and stored again through the provider, so that the checksum in their metadata matches the damage: only
        // their second home can tell. A flipped byte in the first record of a segment (it starts with one after the previous
        // segment's switch: offset 40 is the record header, after the long page header), and an edited row count in a manifest.
        var segmentKey = $"wal/00000001/{MiddleSegment}";
        var segment = await ReadAllAsync(s3, segmentKey);
        segment[44] ^= 0x01;
        await s3.WriteAsync(segmentKey, new MemoryStream(segment));
        var manifestKey = $"backups/{_oldBackup}/manifest.json";
        var manifest = Encoding.UTF8.GetString(await ReadAllAsync(s3, manifestKey));
        var edited = Encoding.UTF8.GetBytes(manifest.Replace($"\"rows\": {RowsPerBatch}", $"\"rows\": {RowsPerBatch - 1}", StringComparison.Ordinal));
        edited.Should().NotEqual(Encoding.UTF8.GetBytes(manifest));
        await s3.WriteAsync(manifestKey, new MemoryStream(edited));

        var environment = new Dictionary<string, string>
        {
            ["DBRESILIENCE_CONNECTION"] = _cluster.ConnectionString,
            ["DBRESILIENCE_STORAGE"] = $"s3://{bucket}/db?endpoint={server.Endpoint}&region=us-east-1&pathStyle=true&partSizeMiB=5",
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
        };
        var fetch = PitrCli.RunCli(environment, "wal-fetch", MiddleSegment, Path.Combine(_work, "s3-fetched"));
        var window = PitrCli.RunCli(environment, "pitr", "window");
        var list = PitrCli.RunCli(environment, "backups", "list", "--strict");
        var verify = PitrCli.RunCli(environment, "verify", _oldBackup);

        fetch.ExitCode.Should().Be(126, "above 125 PostgreSQL stops recovery instead of promoting early: " + fetch.Output);
        fetch.Output.Should().Contain(MiddleSegment).And.Contain("CRC-32C");
        File.Exists(Path.Combine(_work, "s3-fetched")).Should().BeFalse();
        window.ExitCode.Should().Be(1, window.Output);
        window.Output.Should().Contain(MiddleSegment);
        list.ExitCode.Should().Be(1, list.Output);
        list.Output.Should().Contain("DAMAGED").And.Contain(manifestKey);
        verify.ExitCode.Should().Be(1, verify.Output);
        verify.Output.Should().Contain("damaged").And.Contain("manifest.json");
    }

    private static async Task<byte[]> ReadAllAsync(S3StorageProvider storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static (WalArchive Archive, BaseBackupService BaseBackups, PointInTimeRestorer Restorer) Services(IStorageSet storage, string connectionString)
    {
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = connectionString });
        var options = Options.Create(new PointInTimeOptions());
        var archive = new WalArchive(storage);
        var baseBackups = new BaseBackupService(storage, postgreSql, options, TimeProvider.System);
        return (archive, baseBackups, new PointInTimeRestorer(baseBackups, archive, postgreSql, options));
    }

    private static async Task InsertBatchAsync(LocalPostgreSqlCluster cluster, int batch)
        => await cluster.ExecuteAsync($"INSERT INTO batches SELECT {batch}, g, repeat(md5(g::text), 4) FROM generate_series(1, {RowsPerBatch}) g");

    private Dictionary<string, string> Environment(string store) => new()
    {
        ["DBRESILIENCE_CONNECTION"] = _cluster.ConnectionString,
        ["DBRESILIENCE_STORAGE"] = new Uri(store).AbsoluteUri,
    };

    /// <summary>A copy of the intact store in a directory of its own, made of hard links: corruption replaces files, never edits them in place.</summary>
    private string CopyStore()
    {
        var directory = Path.Combine(_work, "case-" + Interlocked.Increment(ref _case));
        Directory.CreateDirectory(directory);
        var store = Path.Combine(directory, "store");
        var (exitCode, output) = PitrCli.Run("cp", new Dictionary<string, string>(), "-al", _pristine, store);
        exitCode.Should().Be(0, output);
        return store;
    }

    private string PathOf(string store, Artifact artifact) => artifact switch
    {
        Artifact.LogicalData => Path.Combine(store, "backups", _oldBackup, "data.dump"),
        Artifact.LogicalManifest => Path.Combine(store, "backups", _oldBackup, "manifest.json"),
        Artifact.LogicalDataSidecar => Path.Combine(store, "backups", _oldBackup, ".dbr-sha256.data.dump"),
        Artifact.LogicalManifestSidecar => Path.Combine(store, "backups", _oldBackup, ".dbr-sha256.manifest.json"),
        Artifact.BaseBackup => Path.Combine(store, _base.DataKey()),
        Artifact.BaseManifest => Path.Combine(store, "base", _base.Id, "manifest.json"),
        Artifact.BaseBackupSidecar => Path.Combine(store, "base", _base.Id, ".dbr-sha256.base.tar.lz4"),
        Artifact.WalSegment => Path.Combine(store, "wal", "00000001", MiddleSegment),
        Artifact.WalSidecar => Path.Combine(store, "wal", "00000001", ".dbr-sha256." + MiddleSegment),
        _ => Path.Combine(store, "wal", "00000002", "00000002.history"),
    };

    /// <summary>The name every error about the artifact must contain.</summary>
    private string NameIn(Artifact artifact) => artifact switch
    {
        Artifact.LogicalData or Artifact.LogicalDataSidecar => "data.dump",
        Artifact.LogicalManifest or Artifact.LogicalManifestSidecar or Artifact.BaseManifest => "manifest",
        Artifact.BaseBackup or Artifact.BaseBackupSidecar => "base.tar.lz4",
        Artifact.WalSegment or Artifact.WalSidecar => MiddleSegment,
        _ => "00000002.history",
    };

    private IEnumerable<string[]> VerbsFor(Artifact artifact, string store)
    {
        var restoreDir = Path.Combine(store, "..", "restore");
        switch (artifact)
        {
            case Artifact.LogicalData or Artifact.LogicalDataSidecar:
                yield return ["verify", _oldBackup];
                yield return ["restore", _oldBackup, "--target-database", "corrupt_" + Guid.NewGuid().ToString("N")[..8]];
                break;
            case Artifact.LogicalManifest or Artifact.LogicalManifestSidecar:
                yield return ["verify", _oldBackup];
                yield return ["restore", _oldBackup, "--target-database", "corrupt_" + Guid.NewGuid().ToString("N")[..8]];
                yield return ["backups", "list", "--strict"];
                break;
            case Artifact.BaseBackup or Artifact.BaseManifest or Artifact.BaseBackupSidecar:
                yield return ["pitr", "restore", "--latest", "--target-dir", restoreDir];
                yield return ["pitr", "window"];
                break;
            default:
                yield return ["pitr", "restore", "--latest", "--target-dir", restoreDir];
                yield return ["pitr", "window"];
                var name = Path.GetFileName(PathOf(store, artifact == Artifact.WalSidecar ? Artifact.WalSegment : artifact));
                yield return ["wal-fetch", name, Path.Combine(store, "..", "fetched-" + name)];
                break;
        }
    }

    /// <summary>Damages one file (replacing it, since the store is made of hard links) and says how, for the assertion message.</summary>
    private string Corrupt(string store, Artifact artifact, Corruption corruption, string path)
    {
        File.Exists(path).Should().BeTrue($"{path} is part of the fixture");
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        var random = new Random(((int)artifact * 31) + (int)corruption);
        switch (corruption)
        {
            case Corruption.ByteFlip:
                var offset = random.Next(bytes.Length);
                bytes[offset] ^= 0xFF;
                File.WriteAllBytes(path, bytes);
                return $"{artifact}: byte {offset} of {bytes.Length} flipped";
            case Corruption.Truncation:
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                return $"{artifact}: cut to {bytes.Length / 2} of {bytes.Length} bytes";
            case Corruption.Extension:
                File.WriteAllBytes(path, [.. bytes, (byte)'x']);
                return $"{artifact}: one byte added to {bytes.Length}";
            case Corruption.Replacement:
                File.WriteAllBytes(path, ReplacementFor(store, artifact, bytes.Length, random));
                return $"{artifact}: replaced";
            default:
                return $"{artifact}: deleted";
        }
    }

    private byte[] ReplacementFor(string store, Artifact artifact, int length, Random random)
    {
        string Other(params string[] parts) => Path.Combine([store, .. parts]);
        switch (artifact)
        {
            case Artifact.LogicalData:
                return File.ReadAllBytes(Other("backups", _newBackup, "data.dump"));
            case Artifact.LogicalManifest or Artifact.BaseManifest:
                return File.ReadAllBytes(Other("backups", _newBackup, "manifest.json"));
            case Artifact.LogicalDataSidecar:
                return File.ReadAllBytes(Other("backups", _newBackup, ".dbr-sha256.data.dump"));
            case Artifact.LogicalManifestSidecar:
                return File.ReadAllBytes(Other("backups", _newBackup, ".dbr-sha256.manifest.json"));
            case Artifact.BaseBackupSidecar or Artifact.WalSidecar:
                return File.ReadAllBytes(Other("wal", "00000001", ".dbr-sha256." + _batchSegments[2]));
            case Artifact.WalSegment:
                return File.ReadAllBytes(Other("wal", "00000001", _batchSegments[2]));
            case Artifact.HistoryFile:
                return Encoding.ASCII.GetBytes("1\t0/9000000\tno recovery target specified\n");
            default:
                var bytes = new byte[length];
                random.NextBytes(bytes);
                return bytes;
        }
    }
}
