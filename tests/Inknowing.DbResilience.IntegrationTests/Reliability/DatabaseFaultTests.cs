using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.PostgreSql.Clusters;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Database faults, on a local cluster this fixture owns (never the run's shared server): PostgreSQL restarted with
/// <c>pg_ctl stop -m fast</c> and <c>-m immediate</c> at random instants of a logical backup and of a migration, a migration
/// that hits <c>statement_timeout</c>, and one that meets a lock held by another session (with <c>lock_timeout</c>). Each run
/// ends with exit 0 or 1, never hangs; afterwards every stored backup verifies, the migrations recorded are exactly the committed
/// ones, and the next run succeeds.
/// </summary>
[Category("Reliability")]
public sealed partial class DatabaseFaultTests : StorageDirectoryTests
{
    private LocalPostgreSqlCluster _cluster = null!;
    private string _temporary = null!;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true });
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [TestCase("fast")]
    [TestCase("immediate")]
    public async Task Backup_ServerRestartedAtRandomInstants_ExitsOneOrCompletesAndEveryStoredBackupVerifies(string mode)
    {
        var database = await CreateDatabaseAsync("dump");
        await BackupTestDatabase.ExecuteAsync(
            database, "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((g * 3)::text) AS payload FROM generate_series(1, 300000) g");
        var storage = NewStorage();
        var duration = await CrashTests.TimeAsync(() => ReliabilityCli.RunAsync(database, storage, _temporary, "backup"));
        var random = ReliabilityTrials.NewRandom($"database/restart-{mode}/logical-backup");
        var interrupted = 0;
        var unclear = new List<string>();
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            using var cli = ReliabilityCli.Start(database, storage, _temporary, "backup");
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds));
            await RestartAsync(mode);
            var (exitCode, output, error) = await cli.WaitAsync();
            if (exitCode == 1)
            {
                interrupted++;
                if (!error.StartsWith("error: ", StringComparison.Ordinal) || error.Contains("   at ", StringComparison.Ordinal))
                {
                    unclear.Add($"trial {trial}: {error}");
                }
            }
            else if (exitCode != 0)
            {
                unclear.Add($"trial {trial}: exit {exitCode}: {output}{error}");
            }
        }

        var failed = new List<string>();
        foreach (var id in CrashTests.CompletedBackups(storage))
        {
            var verify = await ReliabilityCli.RunAsync(database, storage, _temporary, "verify", id);
            if (verify.ExitCode != 0)
            {
                failed.Add(id + ": " + verify.Output + verify.Error);
            }
        }

        var next = await ReliabilityCli.RunAsync(database, storage, _temporary, "backup");
        var last = await ReliabilityCli.RunAsync(database, storage, _temporary, "verify", "latest");
        ReliabilityTrials.Record($"database/restart-{mode}/logical-backup", ReliabilityTrials.Count, interrupted, failed.Count,
            $"pg_ctl stop -m {mode} and start during a backup of 300,000 rows; {CrashTests.CompletedBackups(storage).Count} stored backup(s) verified; exit 1 with the cause when interrupted");
        unclear.Should().BeEmpty("an interrupted backup exits 1 with a message, without a stack trace");
        failed.Should().BeEmpty("a backup whose manifest is stored is complete");
        next.ExitCode.Should().Be(0, next.Error);
        last.ExitCode.Should().Be(0, last.Error);
    }

    [TestCase("fast")]
    [TestCase("immediate")]
    public async Task Migrate_ServerRestartedAtRandomInstants_RecordedMigrationsAreExactlyTheCommittedOnesAndTheRerunSucceeds(string mode)
    {
        const int Versions = 5;
        var migrations = NewStorage();
        Directory.CreateDirectory(migrations);
        for (var version = 1; version <= Versions; version++)
        {
            await File.WriteAllTextAsync(
                Path.Combine(migrations, $"V{version}__step_{version}.sql"),
                $"CREATE TABLE fault_step_{version} (id int PRIMARY KEY);\nINSERT INTO fault_step_{version} SELECT generate_series(1, 20000);\nSELECT pg_sleep(0.2);\n");
        }

        var duration = await CrashTests.TimeAsync(async () => await ReliabilityCli.RunAsync(await CreateDatabaseAsync("migrate"), migrations, _temporary, "migrate", "--migrations", migrations));
        var random = ReliabilityTrials.NewRandom($"database/restart-{mode}/migration");
        var interrupted = 0;
        var mismatches = new List<string>();
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            var database = await CreateDatabaseAsync("migrate");
            using var cli = ReliabilityCli.Start(database, migrations, _temporary, "migrate", "--migrations", migrations);
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds));
            await RestartAsync(mode);
            var run = await cli.WaitAsync();
            interrupted += run.ExitCode == 1 ? 1 : 0;
            run.ExitCode.Should().BeOneOf([0, 1], run.Error);
            mismatches.AddRange((await CrashTests.CompareHistoryAsync(database, Versions, "fault_step_")).Select(p => $"trial {trial}: {p}"));

            var rerun = await ReliabilityCli.RunAsync(database, migrations, _temporary, "migrate", "--migrations", migrations);
            rerun.ExitCode.Should().Be(0, rerun.Error);
            (await CrashTests.CompareHistoryAsync(database, Versions, "fault_step_")).Should().BeEmpty();
            (await CrashTests.AppliedAsync(database)).Should().HaveCount(Versions);
        }

        ReliabilityTrials.Record($"database/restart-{mode}/migration", ReliabilityTrials.Count, interrupted, mismatches.Count,
            $"pg_ctl stop -m {mode} and start during {Versions} migrations; recorded = committed; the rerun completes them");
        mismatches.Should().BeEmpty();
    }

    [Test]
    public async Task Migrate_StatementTimeoutHit_ExitsOneNamingTheMigrationRecordsNothingAndTheNextRunSucceeds()
    {
        var database = await CreateDatabaseAsync("timeout");
        var migrations = await WriteAlterMigrationsAsync("SELECT pg_sleep(3);\n");
        (await Migrate(database, migrations, "--target", "1")).ExitCode.Should().Be(0);
        await BackupTestDatabase.ExecuteAsync(database, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = ''500ms''', current_database()); END $$");

        var failed = await Migrate(database, migrations);

        await AssertFailedCleanlyAsync(database, failed, "57014");
        await BackupTestDatabase.ExecuteAsync(database, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET statement_timeout', current_database()); END $$");
        var next = await Migrate(database, migrations);
        next.ExitCode.Should().Be(0, next.Error);
        (await ColumnExistsAsync(database)).Should().BeTrue();
        ReliabilityTrials.Record("database/statement-timeout/migration", 1, 1, 0,
            "statement_timeout 500 ms against a 3 s migration: exit 1 naming V2 and SQLSTATE 57014; nothing recorded; schema unchanged; the next run succeeds");
    }

    [Test]
    public async Task Migrate_TableLockedByAnotherSession_ExitsOneNamingTheMigrationRecordsNothingAndSucceedsOnceReleased()
    {
        var database = await CreateDatabaseAsync("locked");
        var migrations = await WriteAlterMigrationsAsync(string.Empty);
        (await Migrate(database, migrations, "--target", "1")).ExitCode.Should().Be(0);
        await BackupTestDatabase.ExecuteAsync(database, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lock_timeout = ''1s''', current_database()); END $$");
        await using (var holder = new Npgsql.NpgsqlConnection(database))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var read = new Npgsql.NpgsqlCommand("SELECT count(*) FROM fault_target", holder, transaction))
            {
                await read.ExecuteScalarAsync();
            }

            var clock = Stopwatch.StartNew();
            var failed = await Migrate(database, migrations);

            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
            await AssertFailedCleanlyAsync(database, failed, "55P03");
            await transaction.RollbackAsync();
        }

        var next = await Migrate(database, migrations);
        next.ExitCode.Should().Be(0, next.Error);
        (await ColumnExistsAsync(database)).Should().BeTrue();
        ReliabilityTrials.Record("database/lock-conflict/migration", 1, 1, 0,
            "ALTER TABLE behind another session's lock, lock_timeout 1 s: exit 1 naming V2 and SQLSTATE 55P03; nothing recorded; schema unchanged; succeeds once released");
    }

    private static async Task<bool> ColumnExistsAsync(string database) => await BackupTestDatabase.ScalarAsync<bool>(
        database, "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'fault_target' AND column_name = 'added')");

    private static async Task AssertFailedCleanlyAsync(string database, (int ExitCode, string Output, string Error) failed, string sqlState)
    {
        failed.ExitCode.Should().Be(1, failed.Output + failed.Error);
        (failed.Output + failed.Error).Should().Contain("V2__add_column.sql").And.Contain(sqlState);
        (await CrashTests.AppliedAsync(database)).Should().Equal("1");
        (await BackupTestDatabase.ScalarAsync<long>(database, "SELECT count(*) FROM dbresilience.schema_migrations WHERE version = '2' AND status = 'completed'"))
            .Should().Be(0);
        (await ColumnExistsAsync(database)).Should().BeFalse("the failed migration's transaction was rolled back");
    }

    private async Task<string> WriteAlterMigrationsAsync(string afterAlter)
    {
        var migrations = NewStorage();
        Directory.CreateDirectory(migrations);
        await File.WriteAllTextAsync(Path.Combine(migrations, "V1__create_target.sql"), "CREATE TABLE fault_target (id int PRIMARY KEY);\nINSERT INTO fault_target SELECT generate_series(1, 100);\n");
        await File.WriteAllTextAsync(Path.Combine(migrations, "V2__add_column.sql"), "ALTER TABLE fault_target ADD COLUMN added int;\n" + afterAlter);
        return migrations;
    }

    private Task<(int ExitCode, string Output, string Error)> Migrate(string database, string migrations, params string[] more) =>
        ReliabilityCli.RunAsync(database, migrations, _temporary, ["migrate", "--migrations", migrations, .. more]);

    private async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        await _cluster.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return _cluster.GetConnectionString(name);
    }

    /// <summary>Stops the cluster with <c>pg_ctl stop -m MODE</c> (as its OS user when this process is root) and starts it again.</summary>
    private Task RestartAsync(string mode) => RestartAsync(_cluster, mode);

    private static async Task RestartAsync(LocalPostgreSqlCluster cluster, string mode)
    {
        await WalStreaming.PgCtlAsync(cluster.BinDirectory, "stop", "-w", "-m", mode, "-D", cluster.DataDirectory);
        await cluster.StartAsync();
    }
}
