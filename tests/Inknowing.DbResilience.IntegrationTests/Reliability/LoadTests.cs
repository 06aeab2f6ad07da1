using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Load: a logical backup taken while pgbench writes restores to a consistent database: pgbench's balance invariant holds
/// (the sum of account, branch and teller balances each equals the sum of the history's deltas).
/// </summary>
[Category("Reliability")]
public sealed class LoadTests : StorageDirectoryTests
{
    [Test]
    public async Task Backup_WhilePgbenchWrites_RestoredCopyKeepsTheBalanceInvariant()
    {
        var database = await TestServers.CreateDatabaseAsync("load");
        var temporary = NewStorage();
        Directory.CreateDirectory(temporary);
        var storage = NewStorage();
        await RunPgbenchAsync(database, "-i", "-s", "2", "-q");
        var trials = ReliabilityTrials.Count;
        var broken = new List<string>();

        using (var pgbench = StartPgbench(database, "-c", "2", "-T", "600", "-n"))
        {
            for (var trial = 0; trial < trials; trial++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                var backup = await ReliabilityCli.RunAsync(database, storage, temporary, "backup");
                backup.ExitCode.Should().Be(0, backup.Error);
                var copy = "load_copy_" + Guid.NewGuid().ToString("N")[..8];
                var restore = await ReliabilityCli.RunAsync(database, storage, temporary, "restore", "--target-database", copy);
                restore.ExitCode.Should().Be(0, restore.Error);

                var restored = new NpgsqlConnectionStringBuilder(database) { Database = copy }.ConnectionString;
                var history = await BackupTestDatabase.ScalarAsync<long>(restored, "SELECT count(*) FROM pgbench_history");
                history.Should().BeGreaterThan(0, "pgbench had written before the backup");
                broken.AddRange((await BalanceProblemsAsync(restored)).Select(p => $"trial {trial}: {p} ({history} history rows)"));
            }

            pgbench.HasExited.Should().BeFalse("pgbench must be writing all along");
            pgbench.Kill();
            await pgbench.WaitForExitAsync();
        }

        ReliabilityTrials.Record("load/logical-backup-under-pgbench", trials, 0, broken.Count, "pgbench -c 2 at scale 2; balances against history deltas");
        broken.Should().BeEmpty();
    }

    /// <summary>
    /// Returns what breaks pgbench's invariant in a database: for accounts, branches and tellers, a sum of balances that is not
    /// the sum of the history's deltas (empty when it holds).
    /// </summary>
    internal static async Task<List<string>> BalanceProblemsAsync(string connectionString)
    {
        var problems = new List<string>();
        var deltas = await BackupTestDatabase.ScalarAsync<long>(connectionString, "SELECT coalesce(sum(delta), 0)::bigint FROM pgbench_history");
        foreach (var (table, column) in new[] { ("pgbench_accounts", "abalance"), ("pgbench_branches", "bbalance"), ("pgbench_tellers", "tbalance") })
        {
            var sum = await BackupTestDatabase.ScalarAsync<long>(connectionString, $"SELECT coalesce(sum({column}), 0)::bigint FROM {table}");
            if (sum != deltas)
            {
                problems.Add($"sum({table}.{column}) = {sum}, sum(pgbench_history.delta) = {deltas}");
            }
        }

        return problems;
    }

    /// <summary>Starts pgbench against the connection string's database, its password in PGPASSWORD.</summary>
    internal static Process StartPgbench(string connectionString, params string[] arguments)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(ToolLocator.FindServerTool("pgbench", null)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", connection.Host!, "-p", connection.Port.ToString(CultureInfo.InvariantCulture), "-U", connection.Username! }.Concat(arguments).Append(connection.Database!))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = connection.Password;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    /// <summary>Runs pgbench to its end and asserts that it succeeded.</summary>
    internal static async Task RunPgbenchAsync(string connectionString, params string[] arguments)
    {
        using var process = StartPgbench(connectionString, arguments);
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, error);
    }
}
