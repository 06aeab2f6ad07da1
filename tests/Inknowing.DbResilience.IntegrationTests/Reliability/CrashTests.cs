using System.Diagnostics;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Crash anywhere: the CLI killed with SIGKILL at random instants of a logical backup, a migration and a table-level restore.
/// After each kill, nothing is listed as done that is not (no stored manifest whose backup fails verification, no migration
/// recorded as applied that did not commit and none committed unrecorded, the live table as before or as restored, never half),
/// and the next run succeeds.
/// </summary>
[Category("Reliability")]
public sealed partial class CrashTests : StorageDirectoryTests
{
    private const string OrdersDigest = "SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM shop.orders o";

    private string _connectionString = null!;
    private string _temporary = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _connectionString = await BackupTestDatabase.CreateShopAsync();
        await BackupTestDatabase.ExecuteAsync(
            _connectionString, "CREATE TABLE public.bulk AS SELECT g AS id, repeat(md5(g::text), 6) AS payload FROM generate_series(1, 200000) g");
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
    }

    [Test]
    public async Task Backup_KilledAtRandomInstants_EveryStoredBackupVerifiesAndTheNextRunSucceeds()
    {
        var storage = NewStorage();
        var random = ReliabilityTrials.NewRandom("backup");
        var duration = await TimeAsync(() => RunAsync(storage, "backup"));
        var interrupted = 0;

        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            interrupted += await KillAtRandomAsync(random, duration, storage, "backup") ? 1 : 0;
        }

        var failed = new List<string>();
        foreach (var id in CompletedBackups(storage))
        {
            var verify = await RunAsync(storage, "verify", id);
            if (verify.ExitCode != 0)
            {
                failed.Add(id + ": " + verify.Output + verify.Error);
            }
        }

        var next = await RunAsync(storage, "backup");
        var last = await RunAsync(storage, "verify", "latest");
        ReliabilityTrials.Record("crash/logical-backup", ReliabilityTrials.Count, interrupted, failed.Count, $"{CompletedBackups(storage).Count} completed backup(s) verified");
        failed.Should().BeEmpty("a backup whose manifest is stored is complete");
        next.ExitCode.Should().Be(0, next.Error);
        last.ExitCode.Should().Be(0, last.Error);
    }

    [Test]
    public async Task Migrate_KilledAtRandomInstants_RecordedMigrationsAreExactlyTheCommittedOnes()
    {
        var migrations = NewStorage();
        Directory.CreateDirectory(migrations);
        const int Versions = 5;
        for (var version = 1; version <= Versions; version++)
        {
            await File.WriteAllTextAsync(
                Path.Combine(migrations, $"V{version}__step_{version}.sql"),
                $"CREATE TABLE crash_step_{version} (id int PRIMARY KEY);\nINSERT INTO crash_step_{version} SELECT generate_series(1, 20000);\nSELECT pg_sleep(0.2);\n");
        }

        var random = ReliabilityTrials.NewRandom("migrate");
        var database = await TestServers.CreateDatabaseAsync("crash");
        var duration = await TimeAsync(() => ReliabilityCli.RunAsync(database, migrations, _temporary, "migrate", "--migrations", migrations));
        var interrupted = 0;
        var mismatches = new List<string>();
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            database = await TestServers.CreateDatabaseAsync("crash");
            interrupted += await KillOnDatabaseAtRandomAsync(random, duration, database, migrations, "migrate", "--migrations", migrations) ? 1 : 0;
            mismatches.AddRange(await CompareHistoryAsync(database, Versions));

            var next = await ReliabilityCli.RunAsync(database, migrations, _temporary, "migrate", "--migrations", migrations);
            next.ExitCode.Should().Be(0, next.Error);
            mismatches.AddRange(await CompareHistoryAsync(database, Versions));
            (await AppliedAsync(database)).Should().HaveCount(Versions);
        }

        ReliabilityTrials.Record("crash/migration", ReliabilityTrials.Count, interrupted, mismatches.Count, $"{Versions} migrations per trial");
        mismatches.Should().BeEmpty();
    }

    [Test]
    public async Task RestoreTable_KilledAtRandomInstants_LiveTableIsAsBeforeOrAsRestored()
    {
        var storage = NewStorage();
        (await RunAsync(storage, "backup")).ExitCode.Should().Be(0);
        var restored = await BackupTestDatabase.ScalarAsync<string>(_connectionString, OrdersDigest);
        var random = ReliabilityTrials.NewRandom("restore-table");
        var duration = await TimeAsync(() => RunAsync(storage, "restore-table", "--table", "shop.orders"));
        var interrupted = 0;
        var half = new List<string>();
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            await BackupTestDatabase.ExecuteAsync(
                _connectionString, $"DELETE FROM shop.orders WHERE id % 7 = {trial % 7}; UPDATE shop.orders SET total = total + 1 WHERE id % 5 = 0");
            var before = await BackupTestDatabase.ScalarAsync<string>(_connectionString, OrdersDigest);

            interrupted += await KillAtRandomAsync(random, duration, storage, "restore-table", "--table", "shop.orders") ? 1 : 0;
            var after = await BackupTestDatabase.ScalarAsync<string>(_connectionString, OrdersDigest);
            if (after != before && after != restored)
            {
                half.Add($"trial {trial}: the live table is neither as before nor as restored");
            }

            var next = await RunAsync(storage, "restore-table", "--table", "shop.orders");
            next.ExitCode.Should().Be(0, next.Error);
            (await BackupTestDatabase.ScalarAsync<string>(_connectionString, OrdersDigest)).Should().Be(restored);
        }

        ReliabilityTrials.Record("crash/table-restore", ReliabilityTrials.Count, interrupted, half.Count, "shop.orders, replace mode");
        half.Should().BeEmpty();
    }

    /// <summary>Lists the backups of a file storage that have a manifest.</summary>
    internal static List<string> CompletedBackups(string storage) =>
        Directory.Exists(Path.Combine(storage, "backups"))
            ? Directory.EnumerateFiles(Path.Combine(storage, "backups"), "manifest.json", SearchOption.AllDirectories).Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)).ToList()
            : [];

    /// <summary>Times a run that must succeed.</summary>
    internal static async Task<TimeSpan> TimeAsync(Func<Task<(int ExitCode, string Output, string Error)>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var (exitCode, _, error) = await run();
        exitCode.Should().Be(0, error);
        return stopwatch.Elapsed;
    }

    /// <summary>Lists the versions recorded as completed.</summary>
    internal static async Task<List<string>> AppliedAsync(string database) =>
        (await BackupTestDatabase.ScalarAsync<string>(
            database,
            "SELECT coalesce((SELECT string_agg(version::text, ',' ORDER BY version) FROM dbresilience.schema_migrations WHERE status = 'completed'), '')"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Every version recorded as applied has its table (named <paramref name="tablePrefix"/> and the version), and every table has its version recorded.</summary>
    internal static async Task<List<string>> CompareHistoryAsync(string database, int versions, string tablePrefix = "crash_step_")
    {
        // The killed client's server backend may still be finishing (and committing) its transaction: wait for it to end, or
        // the two reads below could see the database before and after that commit.
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            var others = await BackupTestDatabase.ScalarAsync<long>(
                database, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'");
            if (others == 0)
            {
                break;
            }

            wait.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the killed client's server backend ends");
        }

        var exists = await BackupTestDatabase.ScalarAsync<bool>(database, "SELECT to_regclass('dbresilience.schema_migrations') IS NOT NULL");
        var applied = exists ? await AppliedAsync(database) : [];
        var tables = (await BackupTestDatabase.ScalarAsync<string>(
            database, $"SELECT coalesce(string_agg(substr(relname, {tablePrefix.Length + 1}), ',' ORDER BY relname), '') FROM pg_class WHERE starts_with(relname, '{tablePrefix}') AND relkind = 'r'"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        var problems = new List<string>();
        for (var version = 1; version <= versions; version++)
        {
            var recorded = applied.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var committed = tables.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (recorded != committed)
            {
                problems.Add($"version {version}: recorded {recorded}, committed {committed}");
            }
        }

        return problems;
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string storage, params string[] arguments) =>
        ReliabilityCli.RunAsync(_connectionString, storage, _temporary, arguments);

    /// <summary>Starts the CLI, kills it with SIGKILL after a random part of a normal run's duration; true when it was still running.</summary>
    private Task<bool> KillAtRandomAsync(Random random, TimeSpan duration, string storage, params string[] arguments) =>
        KillOnDatabaseAtRandomAsync(random, duration, _connectionString, storage, arguments);

    private async Task<bool> KillOnDatabaseAtRandomAsync(Random random, TimeSpan duration, string connectionString, string storage, params string[] arguments)
    {
        using var cli = ReliabilityCli.Start(connectionString, storage, _temporary, arguments);
        await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds));
        cli.Signal("KILL");
        return (await cli.WaitAsync()).ExitCode == 137;
    }
}
