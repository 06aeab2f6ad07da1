using System.Diagnostics;
using System.Text.Json;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

// Crash anywhere, continued: the CLI killed with SIGKILL at random instants of a retention run (<c>prune</c>), a storage copy
// (<c>storage copy</c>) and a whole-database restore (<c>restore</c>). After each kill, nothing the policy keeps is gone and
// every backup <c>backups list</c> shows verifies; a copied backup is complete or absent; a restore's target is absent,
// complete, or refused by the next run without <c>--force</c>; and the next run of each succeeds.
public sealed partial class CrashTests
{
    private const string BulkDigest = "SELECT coalesce(md5(string_agg(b::text, ',' ORDER BY id)), 'no rows') FROM public.bulk b";

    [Test]
    public async Task Prune_KilledAtRandomInstants_KeptBackupsStayAndEveryListedBackupVerifies()
    {
        var storage = NewStorage();
        var random = ReliabilityTrials.NewRandom("prune");
        var lost = new List<string>();
        var interrupted = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            // Backups of one day: the default policy (7 daily, ...) keeps the newest (and the newest verified) and deletes the others.
            for (var backup = trial == 0 ? 0 : 1; backup < 2; backup++)
            {
                (await RunAsync(storage, "backup")).ExitCode.Should().Be(0);
            }

            var plan = await RunAsync(storage, "prune", "--dry-run");
            plan.ExitCode.Should().Be(0, plan.Error);
            var kept = Kept(plan);
            kept.Should().NotBeEmpty(plan.Output);
            var duration = await TimeAsync(() => RunAsync(LeftoverTests.CopyTree(storage, NewStorage()), "prune"));

            interrupted += await KillAtRandomAsync(random, duration, storage, "prune") ? 1 : 0;
            var listed = await ListedAsync(storage);
            lost.AddRange(kept.Where(id => !listed.Contains(id)).Select(id => $"trial {trial}: {id}, which the policy keeps, is gone"));
            lost.AddRange(await FailingVerificationAsync(storage, listed));

            // Verifying made the newest backup the newest verified one too: the policy's plan may have changed since.
            var replan = Kept(await RunAsync(storage, "prune", "--dry-run"));
            var next = await RunAsync(storage, "prune");
            next.ExitCode.Should().Be(0, next.Output + next.Error);
            (await ListedAsync(storage)).Should().BeEquivalentTo(replan, "the next run carries out the plan");
        }

        ReliabilityTrials.Record("crash/retention", ReliabilityTrials.Count, interrupted, lost.Count, "a new backup a trial, default policy; kept ones listed, listed ones verified");
        lost.Should().BeEmpty();
    }

    [Test]
    public async Task StorageCopy_KilledAtRandomInstants_EveryCopiedBackupVerifiesAndTheNextRunCompletesTheCopy()
    {
        var source = NewStorage();
        for (var backup = 0; backup < 2; backup++)
        {
            (await RunAsync(source, "backup")).ExitCode.Should().Be(0);
        }

        var ids = await ListedAsync(source);
        var random = ReliabilityTrials.NewRandom("storage-copy");
        var duration = await TimeAsync(() => RunAsync(source, "storage", "copy", "--from", Uri(source), "--to", Uri(NewStorage())));
        var lost = new List<string>();
        var interrupted = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            var target = NewStorage();
            interrupted += await KillAtRandomAsync(random, duration, source, "storage", "copy", "--from", Uri(source), "--to", Uri(target)) ? 1 : 0;
            lost.AddRange(await FailingVerificationAsync(target, await ListedAsync(target)));

            var next = await RunAsync(source, "storage", "copy", "--from", Uri(source), "--to", Uri(target));
            next.ExitCode.Should().Be(0, next.Output + next.Error);
            var copied = await ListedAsync(target);
            copied.Should().BeEquivalentTo(ids, "the next run copies what the killed one did not");
            lost.AddRange(await FailingVerificationAsync(target, copied));
        }

        ReliabilityTrials.Record("crash/storage-copy", ReliabilityTrials.Count, interrupted, lost.Count, $"{ids.Count} backups copied file to file; copies listed are verified");
        lost.Should().BeEmpty();
    }

    [Test]
    public async Task Restore_KilledAtRandomInstants_TargetIsAbsentCompleteOrRefusedAndTheNextRunRestoresIt()
    {
        var storage = NewStorage();
        (await RunAsync(storage, "backup")).ExitCode.Should().Be(0);
        var expected = await BackupTestDatabase.ScalarAsync<string>(_connectionString, BulkDigest);
        var random = ReliabilityTrials.NewRandom("restore");
        var duration = await TimeAsync(() => RunAsync(storage, "restore", "--target-database", NewDatabase()));
        var lost = new List<string>();
        var interrupted = 0;
        var halves = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            var target = NewDatabase();
            interrupted += await KillAtRandomAsync(random, duration, storage, "restore", "--target-database", target) ? 1 : 0;
            await WaitForSessionsToEndAsync(target);

            var left = await ExistsAsync(target);
            if (left && await DigestOrNullAsync(target) != expected)
            {
                halves++;
            }

            var next = await RunAsync(storage, "restore", "--target-database", target);
            if (left)
            {
                // The killed run's database, whole or half: the next run refuses to write over it without --force, and with it restores.
                next.ExitCode.Should().Be(1, next.Output + next.Error);
                next.Error.Should().Contain("--force");
                next = await RunAsync(storage, "restore", "--target-database", target, "--force");
            }

            next.ExitCode.Should().Be(0, next.Output + next.Error);
            var restored = await BackupTestDatabase.ScalarAsync<string>(PostgreSqlConnectionFor(target), BulkDigest);
            if (restored != expected)
            {
                lost.Add($"trial {trial}: the restored database is not the backup's");
            }
        }

        ReliabilityTrials.Record("crash/restore", ReliabilityTrials.Count, interrupted, lost.Count, $"custom format, 200,000 extra rows; {halves} killed run(s) left a half-restored target, refused by the next run without --force");
        lost.Should().BeEmpty();
    }

    [Test]
    public async Task BaseBackup_KilledAtRandomInstants_EveryListedBaseBackupVerifiesAndTheNextRunSucceeds()
    {
        // A server of its own, of the suite's kind (a container, else a local cluster): a base backup copies the whole cluster,
        // and the suite's server holds every test's databases.
        await using var server = await FreshServerAsync();
        var replication = server.ConnectionString;
        var storage = NewStorage();
        var random = ReliabilityTrials.NewRandom("basebackup");
        var duration = await TimeAsync(() => ReliabilityCli.RunAsync(replication, NewStorage(), _temporary, "basebackup"));
        var interrupted = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            interrupted += await KillOnDatabaseAtRandomAsync(random, duration, replication, storage, "basebackup") ? 1 : 0;
        }

        var failed = await FailingVerificationAsync(storage, await ListedAsync(storage));
        var next = await ReliabilityCli.RunAsync(replication, storage, _temporary, "basebackup");
        var listed = await ListedAsync(storage);
        failed.AddRange(await FailingVerificationAsync(storage, listed));

        ReliabilityTrials.Record("crash/base-backup", ReliabilityTrials.Count, interrupted, failed.Count, $"pg_basebackup of a fresh server; {listed.Count} listed base backup(s) verified");
        failed.Should().BeEmpty("a base backup listed as complete verifies");
        next.ExitCode.Should().Be(0, next.Output + next.Error);
        listed.Should().NotBeEmpty();
    }

    [Test]
    public async Task WalPush_KilledAtRandomInstants_SegmentIsAbsentOrWholeAndARetrySucceeds()
    {
        // wal-push stores the bytes it is given (the page checks are wal-fetch's): random bytes under a segment's name stand for
        // a 16 MB segment, and any stored file under that name must hold them all.
        var work = NewStorage();
        Directory.CreateDirectory(work);
        var random = ReliabilityTrials.NewRandom("wal-push");
        var duration = await TimeAsync(() => RunAsync(NewStorage(), "wal-push", NewSegment(work, random, 0x40)));
        var lost = new List<string>();
        var interrupted = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            var storage = NewStorage();
            var segment = NewSegment(work, random, 0x41 + trial);
            var bytes = await File.ReadAllBytesAsync(segment);
            interrupted += await KillAtRandomAsync(random, duration, storage, "wal-push", segment) ? 1 : 0;
            lost.AddRange(await PartialSegmentsAsync(storage, segment, bytes));

            var retry = await RunAsync(storage, "wal-push", segment);
            retry.ExitCode.Should().Be(0, retry.Output + retry.Error);
            var stored = await PartialSegmentsAsync(storage, segment, bytes);
            lost.AddRange(stored);
            Directory.EnumerateFiles(storage, Path.GetFileName(segment), SearchOption.AllDirectories).Should().ContainSingle("the retry stores the segment");
        }

        ReliabilityTrials.Record("crash/wal-push", ReliabilityTrials.Count, interrupted, lost.Count, "16 MB segment to file storage; stored copy whole or absent, retry succeeds");
        lost.Should().BeEmpty();
    }

    private static string NewSegment(string directory, Random random, int number)
    {
        var path = Path.Combine(directory, "0000000100000000000000" + number.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        var bytes = new byte[16 * 1024 * 1024];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Returns a problem for each stored file under the segment's final name whose bytes are not the segment's.</summary>
    private static async Task<List<string>> PartialSegmentsAsync(string storage, string segment, byte[] bytes)
    {
        var problems = new List<string>();
        foreach (var file in Directory.Exists(storage) ? Directory.EnumerateFiles(storage, Path.GetFileName(segment), SearchOption.AllDirectories) : [])
        {
            if (!(await File.ReadAllBytesAsync(file)).AsSpan().SequenceEqual(bytes))
            {
                problems.Add($"{file} is stored under the segment's final name but is not the whole segment");
            }
        }

        return problems;
    }

    private static async Task<FreshServer> FreshServerAsync()
    {
        if (TestServers.Container is not null)
        {
            var container = await TestServers.StartContainerAsync(TestServers.ContainerImage!);
            var replication = new Npgsql.NpgsqlConnectionStringBuilder(container.GetConnectionString()) { Database = "postgres", Pooling = false, Username = "replicator" };
            return new FreshServer(replication.ConnectionString, container);
        }

        var cluster = await Inknowing.DbResilience.PostgreSql.Clusters.LocalPostgreSqlCluster.StartNewAsync(
            new Inknowing.DbResilience.PostgreSql.Clusters.LocalClusterOptions { ReplicationRole = "replicator" });
        return new FreshServer(cluster.ConnectionString, cluster);
    }

    /// <summary>A server started for one test, stopped at its end.</summary>
    private sealed record FreshServer(string ConnectionString, IAsyncDisposable Server) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    /// <summary>Returns the ids that a <c>prune --dry-run</c> keeps.</summary>
    private static List<string> Kept((int ExitCode, string Output, string Error) plan)
    {
        plan.ExitCode.Should().Be(0, plan.Error);
        return plan.Output.Split('\n')
            .Where(l => l.StartsWith("keep ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])
            .Where(id => id != "WAL")
            .ToList();
    }

    private static string Uri(string path) => new Uri(path).AbsoluteUri;

    private static string NewDatabase() => "crash_restore_" + Guid.NewGuid().ToString("N")[..10];

    private string PostgreSqlConnectionFor(string database) => new Npgsql.NpgsqlConnectionStringBuilder(_connectionString) { Database = database, Pooling = false }.ConnectionString;

    private async Task<string?> DigestOrNullAsync(string database)
    {
        try
        {
            return await BackupTestDatabase.ScalarAsync<string>(PostgreSqlConnectionFor(database), BulkDigest);
        }
        catch (Npgsql.PostgresException)
        {
            // The table is not there (yet): a half-restored database.
            return null;
        }
    }

    private async Task<bool> ExistsAsync(string database) =>
        await BackupTestDatabase.ScalarAsync<bool>(_connectionString, $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')");

    /// <summary>Waits until the killed client's server sessions on or about <paramref name="database"/> (a CREATE DATABASE still running) have ended.</summary>
    private async Task WaitForSessionsToEndAsync(string database)
    {
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            if (await BackupTestDatabase.ScalarAsync<long>(_connectionString, $"SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (datname = '{database}' OR query LIKE '%{database}%')") == 0)
            {
                return;
            }

            wait.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the killed client's server sessions end");
        }
    }

    /// <summary>Returns the ids <c>backups list --json</c> shows as complete.</summary>
    private Task<List<string>> ListedAsync(string storage) => ListedAsync(_connectionString, storage, _temporary);

    /// <summary>Returns the ids <c>backups list --json</c> shows as complete, with the CLI on a given database.</summary>
    internal static async Task<List<string>> ListedAsync(string connectionString, string storage, string temporary)
    {
        var (exitCode, output, error) = await ReliabilityCli.RunAsync(connectionString, storage, temporary, "backups", "list", "--json");
        exitCode.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.EnumerateArray()
            .Where(b => b.GetProperty("status").GetString() != "damaged")
            .Select(b => b.GetProperty("id").GetString()!)
            .ToList();
    }

    private Task<List<string>> FailingVerificationAsync(string storage, List<string> ids) => FailingVerificationAsync(_connectionString, storage, _temporary, ids);

    /// <summary>Returns a problem for each of <paramref name="ids"/> that <c>verify ID</c> fails.</summary>
    internal static async Task<List<string>> FailingVerificationAsync(string connectionString, string storage, string temporary, List<string> ids)
    {
        var failed = new List<string>();
        foreach (var id in ids)
        {
            var verify = await ReliabilityCli.RunAsync(connectionString, storage, temporary, "verify", id);
            if (verify.ExitCode != 0)
            {
                failed.Add($"{id} is listed but fails verification: {verify.Output}{verify.Error}");
            }
        }

        return failed;
    }
}
