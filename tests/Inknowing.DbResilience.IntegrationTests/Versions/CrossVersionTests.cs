using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Restore;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Versions;

/// <summary>
/// Servers of other majors, in containers, against this run's client tools (the major of the run: 15 here, 17 or 18 in
/// their Debian containers): newer tools back up an older server and restore that backup into this run's server (the
/// upgrade path, 15 into 17 and 18), and older tools refuse a newer server naming the package to install.
/// </summary>
/// <remarks>
/// The majors are those whose server image the run was given (DBRESILIENCE_TEST_PG15_IMAGE, ...: eng/run-tests.sh passes
/// every image it built), and always this run's own, so the test exists in every run.
/// </remarks>
[TestFixture]
[NonParallelizable]
public sealed class CrossVersionTests
{
    private const string Sample = """
        CREATE SCHEMA crossv;
        CREATE TABLE crossv.items (id int PRIMARY KEY, name text NOT NULL, tags text[], payload jsonb, at timestamptz DEFAULT now());
        INSERT INTO crossv.items (id, name, tags, payload)
            SELECT g, 'item ' || g, ARRAY['a', 'b' || g], jsonb_build_object('n', g, 'line', E'x\ny')
            FROM generate_series(1, 5000) g;
        CREATE TABLE crossv.empty (x int);
        CREATE VIEW crossv.big_items AS SELECT id, name FROM crossv.items WHERE id > 4000;
        SELECT lo_from_bytea(0, convert_to(repeat('large object ', 1000), 'UTF8'));
        """;

    public static IEnumerable<int> ServerMajors()
        => new[] { 15, 17, 18 }.Where(m => m == TestServers.LocalToolsMajor
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable($"DBRESILIENCE_TEST_PG{m}_IMAGE")));

    [TestCaseSource(nameof(ServerMajors))]
    public async Task BackupAndRestore_ServerOfMajor_NewerOrSameToolsWorkOlderToolsRefuseNamingThePackage(int major)
    {
        TestServers.RequireContainers();
        await using var server = await TestServers.StartContainerAsync(
            major == TestServers.LocalToolsMajor && TestServers.ContainerImage is { } own ? own : TestServers.ContainerImageOf(major));
        var source = new NpgsqlConnectionStringBuilder(server.GetConnectionString()) { Database = "postgres", Pooling = false }.ConnectionString;
        await BackupTestDatabase.ExecuteAsync(source, Sample);
        var storage = BackupTestDatabase.NewStorageDirectory();
        try
        {
            await using var host = BackupTestDatabase.BuildHost(source, [storage]);
            var backup = () => host.GetRequiredService<IBackupService>().CreateAsync();
            if (major > TestServers.LocalToolsMajor)
            {
                var refused = await backup.Should().ThrowAsync<DbResilienceException>();
                refused.Which.ToString().Should().Contain($"postgresql-client-{major}").And.Contain($"pg_dump {TestServers.LocalToolsMajor}.");
                Directory.Exists(storage).Should().BeFalse("nothing is written when the tools cannot dump the server");
                await RestoreIntoNewerServerIsRefusedAsync(server.GetConnectionString(), major);
                return;
            }

            var manifest = (await backup()).Manifest;
            manifest.ServerVersion.Should().StartWith($"{major}.");
            manifest.ToolVersion.Should().StartWith($"{TestServers.LocalToolsMajor}.");
            manifest.DumpCompression.Should().Contain("by dbresilience while streaming", "pg_dump 15 to 18 archives are compressed while streaming");
            manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "crossv", Name = "items", Rows = 5000, DataIncluded = true });

            // Restored by this run's pg_restore into this run's server: for a 15 backup in the 17 and 18 runs, the upgrade path.
            // A 17 server's backup made by pg_dump 18 goes back into its own server: PostgreSQL 17.12 marks columns with the
            // option pg_attver, which pg_dump 18.6 dumps and an 18 server refuses (docs/backups.md, "Across majors").
            var intoOwnServer = major != 15 && major < TestServers.LocalToolsMajor;
            var restoreServer = intoOwnServer ? source : TestServers.PostgreSqlConnectionString;
            var target = RestoreTestSupport.NewDatabaseName($"crossv{major}");
            var dump = Path.Combine(storage, "backups", manifest.Id, "data.dump");
            try
            {
                await RestoreTestSupport.PgRestore(restoreServer).RestoreAsync(
                    RestoreTestSupport.SourceFor(dump, manifest.Id, RestoreSourceFormat.Custom),
                    new RestoreRequest { TargetConnectionString = restoreServer, TargetDatabase = target, Jobs = 2 });
                var restored = RestoreTestSupport.WithDatabase(restoreServer, target);
                // The backup's own catalog row (dbresilience.backup_history) was written after the dump: compare the sample's tables.
                var expected = (await RestoreTestSupport.TableChecksumsAsync(source)).Where(t => t.Key.StartsWith("crossv.", StringComparison.Ordinal));
                (await RestoreTestSupport.TableChecksumsAsync(restored)).Should().Contain(expected).And.ContainKey("crossv.items");
                (await BackupTestDatabase.ScalarAsync<long>(restored, "SELECT count(*) FROM crossv.big_items")).Should().Be(1000);
                (await BackupTestDatabase.ScalarAsync<long>(restored, "SELECT count(*) FROM pg_largeobject_metadata")).Should().Be(1);
                (await BackupTestDatabase.ScalarAsync<int>(restored, "SELECT current_setting('server_version_num')::int / 10000"))
                    .Should().Be(intoOwnServer ? major : TestServers.ServerMajor);
            }
            finally
            {
                if (!intoOwnServer)
                {
                    await RestoreTestSupport.DropDatabaseAsync(target); // the container of another major goes with its database
                }
            }
        }
        finally
        {
            if (Directory.Exists(storage))
            {
                Directory.Delete(storage, recursive: true);
            }
        }
    }

    /// <summary>A backup of this run's server restored into a newer server with this run's (older) pg_restore: refused before any change.</summary>
    private static async Task RestoreIntoNewerServerIsRefusedAsync(string newerServer, int major)
    {
        var dump = Path.Combine(Path.GetTempPath(), "crossv-" + Guid.NewGuid().ToString("N")[..8] + ".dump");
        var database = await TestServers.CreateDatabaseAsync("crossv");
        try
        {
            await BackupTestDatabase.ExecuteAsync(database, "CREATE TABLE t (x int); INSERT INTO t VALUES (1);");
            var source = await RestoreTestSupport.DumpAsync(database, dump);
            var target = RestoreTestSupport.NewDatabaseName("crossv_newer");

            var restore = () => RestoreTestSupport.PgRestore(newerServer).RestoreAsync(source, new RestoreRequest { TargetConnectionString = newerServer, TargetDatabase = target });

            var refused = (await restore.Should().ThrowAsync<RestoreException>()).Which;
            refused.NothingChanged.Should().BeTrue();
            refused.Message.Should().Contain($"postgresql-client-{major}");
            (await BackupTestDatabase.ScalarAsync<bool>(newerServer, $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{target}')")).Should().BeFalse();
        }
        finally
        {
            File.Delete(dump);
            await RestoreTestSupport.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(database).Database!);
        }
    }
}
