using System.Text;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Secrets: while the CLI, pg_dump, pg_restore, pg_basebackup and psql (the plain-format restore) run with a password
/// connection, no process's command line (<c>/proc/*/cmdline</c>, polled) holds the password, and the output (text and JSON) of
/// runs that fail does not either.
/// </summary>
[Category("Reliability")]
public sealed class SecretTests : StorageDirectoryTests
{
    private string _password = null!;
    private string _connectionString = null!;
    private string _temporary = null!;
    private string _migrations = null!;

    [OneTimeSetUp]
    public async Task CreateRoleAsync()
    {
        Assume.That(Directory.Exists("/proc/self"), Is.True, "/proc is where command lines are read");
        (_password, _connectionString) = await SecretLogTests.CreatePasswordRoleAsync();
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
        _migrations = Path.Combine(_temporary, "migrations");
        Directory.CreateDirectory(_migrations);
        await File.WriteAllTextAsync(Path.Combine(_migrations, "V1__fails.sql"), "CREATE TABLE secret_notes (id int);\nSELECT * FROM no_such_table;\n");
    }

    [Test]
    public async Task CommandLines_BackupVerifyRestoreAndFailures_NeverHoldThePassword()
    {
        var storage = NewStorage();
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(() => WatchCommandLines(stop.Token));
        var outputs = new List<string>();
        var codes = new List<int>();

        var wrongDatabase = new NpgsqlConnectionStringBuilder(_connectionString) { Database = "secret_no_such_db" }.ConnectionString;
        var runs = new (string Connection, string[] Arguments)[]
        {
            (_connectionString, ["backup"]),
            (_connectionString, ["backup", "--format", "directory"]),
            (_connectionString, ["verify", "latest", "--restore-test"]),
            (_connectionString, ["restore", "--target-database", "secret_copy_" + Guid.NewGuid().ToString("N")[..8], "-j", "2"]),
            (_connectionString, ["restore-table", "--table", "shop.orders"]),
            (_connectionString, ["basebackup"]),
            (_connectionString, ["backup", "--format", "plain"]),
            (_connectionString, ["restore", "--target-database", "secret_plain_" + Guid.NewGuid().ToString("N")[..8]]), // psql

            // Failures: an unknown table, an existing target without --force, an unknown backup, a time before the window,
            // a database that does not exist (the password still in the connection), a migration that fails.
            (_connectionString, ["backup", "--table", "shop.no_such_table"]),
            (_connectionString, ["restore", "--target-database", "postgres"]),
            (_connectionString, ["verify", "20990101T000000Z-none", "--json"]),
            (_connectionString, ["pitr", "restore", "--time", "1999-01-01T00:00:00Z", "--target-dir", Path.Combine(_temporary, "pitr-refused"), "--json"]),
            (wrongDatabase, ["restore-table", "--table", "shop.orders", "--json"]),
            (_connectionString, ["migrate", "--migrations", _migrations]),
        };
        const int Successes = 8;
        foreach (var (connection, arguments) in runs)
        {
            var (exitCode, output, error) = await ReliabilityCli.RunAsync(connection, storage, _temporary, arguments);
            codes.Add(exitCode);
            outputs.Add(string.Join(' ', arguments) + " => " + exitCode + "\n" + output + error);
        }

        await stop.CancelAsync();
        var (leaks, seen) = await watch;

        codes.Take(Successes).Should().AllBeEquivalentTo(0, string.Join("\n", outputs));
        codes.Skip(Successes).Should().NotContain(0, string.Join("\n", outputs));
        seen.Should().Contain(["pg_dump", "pg_restore", "pg_basebackup", "psql", "dbresilience.dll"], "the poller saw the tools run");
        leaks.Should().BeEmpty("no command line may hold the password");
        outputs.Where(o => o.Contains(_password, StringComparison.Ordinal)).Should().BeEmpty("no output, failing or not, holds the password");
        ReliabilityTrials.Record("secrets/command-lines", outputs.Count, 0, leaks.Count + outputs.Count(o => o.Contains(_password, StringComparison.Ordinal)), $"command lines of {string.Join(", ", seen.Order(StringComparer.Ordinal))} polled");
    }

    private (List<string> Leaks, HashSet<string> Seen) WatchCommandLines(CancellationToken cancellationToken)
    {
        var leaks = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var watched = new[] { "pg_dump", "pg_restore", "pg_basebackup", "psql", "dbresilience.dll" };
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var process in Directory.EnumerateDirectories("/proc"))
            {
                if (!char.IsAsciiDigit(Path.GetFileName(process)[0]))
                {
                    continue;
                }

                string commandLine;
                try
                {
                    commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(process, "cmdline"))).Replace('\0', ' ');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                seen.UnionWith(watched.Where(w => commandLine.Contains(w, StringComparison.Ordinal)));
                if (commandLine.Contains(_password, StringComparison.Ordinal))
                {
                    leaks.Add(commandLine.Replace(_password, "<the password>", StringComparison.Ordinal));
                }
            }

            Thread.Sleep(5);
        }

        return (leaks, seen);
    }
}
