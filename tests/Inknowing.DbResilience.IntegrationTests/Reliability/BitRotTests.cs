using System.Diagnostics;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Bit rot: one byte flipped at a random position (seeded) of a stored logical backup, base backup, WAL segment, manifest or
/// checksum sidecar is caught by the verb that verifies it and refused by the verbs that restore from it (exit 1 naming the
/// file; <c>wal-fetch</c> 126), every time, and a refused restore leaves no target behind. The store is built once; each
/// trial flips a byte in a hard-linked copy of it. The seed is printed; trials per kind follow
/// <see cref="ReliabilityTrials.Count"/>.
/// </summary>
[Category("Reliability")]
[NonParallelizable]
public sealed class BitRotTests
{
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private string _pristine = null!;
    private string _logical = null!;
    private BackupManifest _base = null!;
    private readonly List<string> _segments = [];
    private int _copies;

    /// <summary>What a flipped byte lands in.</summary>
    private enum Kind
    {
        LogicalBackup,
        BaseBackup,
        WalSegment,
        Manifest,
        ChecksumSidecar,
    }

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-bitrot-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _pristine = Path.Combine(_work, "store");
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });
        await _cluster.ExecuteAsync("CREATE TABLE rot (n int primary key, pad text)");
        await InsertAsync(0);

        await using (var host = new DbResilienceBuilder().UsePostgreSql(_cluster.ConnectionString).UseFileSystemStorage(_pristine).Build())
        {
            _logical = (await host.GetRequiredService<IBackupService>().CreateAsync()).Manifest.Id;
        }

        using var storage = new StorageSet([new FileSystemStorageProvider(_pristine)]);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = _cluster.ConnectionString });
        _base = await new BaseBackupService(storage, postgreSql, Options.Create(new PointInTimeOptions()), TimeProvider.System).CreateAsync();
        for (var batch = 1; batch <= 2; batch++)
        {
            await InsertAsync(batch);
            _segments.Add(await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster));
        }

        await PitrTestCluster.PushArchiveAsync(_cluster, new WalArchive(storage));
    }

    [OneTimeTearDown]
    public async Task TearDown() => await PitrTestCluster.TearDownAsync(_cluster, _work);

    [Test]
    public async Task Verbs_OneByteFlippedAtRandom_CaughtByVerifyAndRefusedByRestoreEveryTime()
    {
        // Each trial runs two or three CLI processes (about 4 s on 2 cores): the suite's default of 3 per kind keeps this near a minute.
        var trials = ReliabilityTrials.Count;
        var random = ReliabilityTrials.NewRandom("bitrot");
        var missed = new List<string>();
        var caught = new Dictionary<Kind, int>();
        var stopwatch = Stopwatch.StartNew();

        foreach (var kind in Enum.GetValues<Kind>())
        {
            caught[kind] = 0;
            for (var trial = 0; trial < trials; trial++)
            {
                var store = CopyStore();
                var (relative, name) = Pick(kind, random);
                var logical = relative.StartsWith("backups", StringComparison.Ordinal);
                var what = Flip(Path.Combine(store, relative), random);
                var runs = await Task.WhenAll(VerbsFor(logical, name, store).Select(verb => Task.Run(() => (Verb: verb, Result: PitrCli.RunCli(CliEnvironment(store), verb)))));
                var wrong = runs
                    .Where(r => r.Result.ExitCode != (r.Verb[0] == "wal-fetch" ? 126 : 1) || !r.Result.Output.Contains(name, StringComparison.Ordinal))
                    .Select(r => $"{relative} ({what}): '{string.Join(' ', r.Verb)}' exited {r.Result.ExitCode}: {r.Result.Output}")
                    .ToList();
                if (Directory.Exists(Path.Combine(store, "..", "restore")) || File.Exists(Path.Combine(store, "..", "fetched")))
                {
                    wrong.Add($"{relative} ({what}): a refused restore or fetch left its target behind");
                }

                if (wrong.Count == 0)
                {
                    caught[kind]++;
                }

                missed.AddRange(wrong);
                Directory.Delete(Path.GetDirectoryName(store)!, recursive: true);
            }
        }

        ReliabilityTrials.Record(
            "bitrot/random-byte-flip",
            trials * caught.Count,
            0,
            (trials * caught.Count) - caught.Values.Sum(),
            $"{trials} per kind ({string.Join(", ", caught.Select(c => $"{c.Key} {c.Value}/{trials} caught"))}); verify, restore, pitr window/restore, wal-fetch; {stopwatch.Elapsed.TotalSeconds:F0} s");
        missed.Should().BeEmpty("every flipped byte must be caught by verify and refused by restore, naming the file");
    }

    /// <summary>Picks a stored file of the kind (relative to the store) and the name every error about it must contain.</summary>
    private (string Relative, string Name) Pick(Kind kind, Random random)
    {
        var logical = Path.Combine("backups", _logical);
        var baseDirectory = Path.Combine("base", _base.Id);
        var segment = _segments[random.Next(_segments.Count)];
        var wal = Path.Combine("wal", "00000001");
        (string, string)[] choices = kind switch
        {
            Kind.LogicalBackup => [(Path.Combine(logical, "data.dump"), "data.dump")],
            Kind.BaseBackup => [(_base.DataKey(), "base.tar.lz4")],
            Kind.WalSegment => [(Path.Combine(wal, segment), segment)],
            Kind.Manifest => [(Path.Combine(logical, "manifest.json"), "manifest"), (Path.Combine(baseDirectory, "manifest.json"), "manifest")],
            _ =>
            [
                (Path.Combine(logical, ".dbr-sha256.data.dump"), "data.dump"),
                (Path.Combine(logical, ".dbr-sha256.manifest.json"), "manifest"),
                (Path.Combine(baseDirectory, ".dbr-sha256.base.tar.lz4"), "base.tar.lz4"),
                (Path.Combine(wal, ".dbr-sha256." + segment), segment),
            ],
        };
        return choices[random.Next(choices.Length)];
    }

    /// <summary>The verbs that read the file: the one that verifies it and those that restore from it.</summary>
    private IEnumerable<string[]> VerbsFor(bool logical, string name, string store)
    {
        var restore = Path.Combine(store, "..", "restore");
        if (logical)
        {
            yield return ["verify", _logical];
            yield return ["restore", _logical, "--target-database", "rot_" + Guid.NewGuid().ToString("N")[..8]];
            yield break;
        }

        yield return ["pitr", "window"];
        yield return ["pitr", "restore", "--latest", "--target-dir", restore];
        if (_segments.Contains(name))
        {
            yield return ["wal-fetch", name, Path.Combine(store, "..", "fetched")];
        }
    }

    /// <summary>Flips one byte (XOR with a random non-zero value) at a random offset, replacing the hard link rather than editing the shared file.</summary>
    private static string Flip(string path, Random random)
    {
        var bytes = File.ReadAllBytes(path);
        var offset = random.Next(bytes.Length);
        var mask = (byte)random.Next(1, 256);
        bytes[offset] ^= mask;
        File.Delete(path);
        File.WriteAllBytes(path, bytes);
        return $"byte {offset} of {bytes.Length} XOR 0x{mask:X2}";
    }

    private async Task InsertAsync(int batch)
        => await _cluster.ExecuteAsync($"INSERT INTO rot SELECT {batch} * 10000 + g, repeat(md5(g::text), 4) FROM generate_series(1, 5000) g");

    private Dictionary<string, string> CliEnvironment(string store) => new()
    {
        ["DBRESILIENCE_CONNECTION"] = _cluster.ConnectionString,
        ["DBRESILIENCE_STORAGE"] = new Uri(store).AbsoluteUri,
    };

    /// <summary>A hard-linked copy of the intact store in a directory of its own.</summary>
    private string CopyStore()
    {
        var directory = Path.Combine(_work, "trial-" + Interlocked.Increment(ref _copies));
        Directory.CreateDirectory(directory);
        var store = Path.Combine(directory, "store");
        var (exitCode, output) = PitrCli.Run("cp", [], "-al", _pristine, store);
        exitCode.Should().Be(0, output);
        return store;
    }
}
