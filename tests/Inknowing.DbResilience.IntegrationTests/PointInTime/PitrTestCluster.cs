using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>What the point-in-time fixtures do to their own archiving cluster: queries, WAL switches, archive pushes, clean-up.</summary>
internal static class PitrTestCluster
{
    /// <summary>Runs one query and returns its single value.</summary>
    public static async Task<T> ScalarAsync<T>(LocalPostgreSqlCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        return (T)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }

    /// <summary>Switches to a new WAL segment and waits (up to 60 s) until the server's archive_command has archived the old one; returns its name.</summary>
    public static async Task<string> SwitchAndWaitForArchiveAsync(LocalPostgreSqlCluster cluster)
    {
        var switched = await ScalarAsync<string>(cluster, "SELECT pg_walfile_name(pg_switch_wal())");
        for (var i = 0; i < 600; i++)
        {
            if (string.CompareOrdinal(await ScalarAsync<string>(cluster, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), switched) >= 0)
            {
                return switched;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{switched} was not archived within 60 s. Server log: {cluster.ReadLog()}");
    }

    /// <summary>Pushes every file of the cluster's archive directory (but <paramref name="except"/>) into the archive, as archive_command would.</summary>
    public static async Task PushArchiveAsync(LocalPostgreSqlCluster cluster, WalArchive archive, string? except = null)
    {
        foreach (var file in Directory.EnumerateFiles(cluster.ArchiveDirectory).Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)).Order())
        {
            if (Path.GetFileName(file) != except)
            {
                await archive.PushAsync(file);
            }
        }
    }

    /// <summary>Stops the cluster and deletes the work directory, whichever of them the set-up got to.</summary>
    public static async Task TearDownAsync(LocalPostgreSqlCluster? cluster, string? work)
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        if (work is not null && Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
