using System.Globalization;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Clusters;

public sealed class LocalPostgreSqlClusterTests
{
    [Test]
    public async Task StartNewAsync_ArchivingAndReplicationRole_IsConfiguredForBackupsAndPointInTimeRecovery()
    {
        await using var cluster = await StartArchivingClusterAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        (await ShowAsync(connection, "server_version_num")).Should().StartWith(TestServers.LocalToolsMajor.ToString(CultureInfo.InvariantCulture));
        (await ShowAsync(connection, "data_checksums")).Should().Be("on");
        (await ShowAsync(connection, "wal_level")).Should().Be("replica");
        (await ShowAsync(connection, "archive_mode")).Should().Be("on");
        (await ShowAsync(connection, "listen_addresses")).Should().Be("127.0.0.1");
        (await ShowAsync(connection, "password_encryption")).Should().Be("scram-sha-256");

        await using var role = new NpgsqlCommand("SELECT rolreplication AND rolcanlogin FROM pg_roles WHERE rolname = 'replicator'", connection);
        ((bool?)await role.ExecuteScalarAsync()).Should().BeTrue();
    }

    [Test]
    public async Task StartNewAsync_Archiving_ArchivesSwitchedWalSegment()
    {
        await using var cluster = await StartArchivingClusterAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using (var write = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS archive_probe(x int); INSERT INTO archive_probe VALUES (1);", connection))
        {
            await write.ExecuteNonQueryAsync();
        }

        await using var switchWal = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection);
        var segment = (string)(await switchWal.ExecuteScalarAsync())!;

        var archived = Path.Combine(cluster.ArchiveDirectory, segment);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(archived) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        File.Exists(archived).Should().BeTrue($"the segment {segment} should be archived into {cluster.ArchiveDirectory}");
        new FileInfo(archived).Length.Should().Be(16 * 1024 * 1024);
    }

    [Test]
    public async Task StartNewAsync_ThenDispose_ServesQueriesAndRemovesEverything()
    {
        string root;
        string connectionString;
        await using (var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true }))
        {
            root = cluster.RootDirectory;
            connectionString = cluster.ConnectionString;
            cluster.SuperuserPassword.Should().HaveLength(48);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 40 + 2", connection);
            ((int)(await command.ExecuteScalarAsync())!).Should().Be(42);
        }

        Directory.Exists(root).Should().BeFalse();
        var reconnect = async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        };
        await reconnect.Should().ThrowAsync<NpgsqlException>();
    }

    [Test]
    public async Task StartNewAsync_WrongPassword_IsRejected()
    {
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true });
        var wrong = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        var connect = async () =>
        {
            await using var connection = new NpgsqlConnection(wrong);
            await connection.OpenAsync();
        };
        (await connect.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28P01");
    }

    private static Task<LocalPostgreSqlCluster> StartArchivingClusterAsync()
        => LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });

    private static async Task<string> ShowAsync(NpgsqlConnection connection, string setting)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting(@name)", connection);
        command.Parameters.AddWithValue("name", setting);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
