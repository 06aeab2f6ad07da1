using Inknowing.DbResilience.IntegrationTests.Backups;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

// A drill's scratch database is created by the restore strategy (which may be an application's own), so the drill records it
// beforehand in an intent record in its temporary directory: a drill killed with SIGKILL during its restore leaves the record,
// and the next drill drops the database it names. Records of a live process, of another host or naming a name the drill does
// not generate are left alone; a record whose database never got created is just removed.
public sealed partial class LeftoverTests
{
    [Test]
    public async Task Drill_Killed_NextRunDropsTheScratchDatabase()
    {
        var temporary = NewTemporary();
        string? scratch = null;
        List<string> intents;
        using (var cli = ReliabilityCli.Start(_connectionString, _directoryStorage, temporary, "drill"))
        {
            // While pg_restore loads the rows into the scratch database the strategy created (seconds before the restore ends).
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); scratch is null && waited.Elapsed < TimeSpan.FromMinutes(1); await Task.Delay(20))
            {
                var restoring = cli.ChildCommandLines().Any(c => c.Contains("pg_restore", StringComparison.Ordinal) && c.Contains("--exit-on-error", StringComparison.Ordinal));
                scratch = restoring && await DrillDatabasesAsync() is { Length: > 0 } name ? name : null;
            }

            intents = Leftovers(temporary).Where(e => e.EndsWith(".intent", StringComparison.Ordinal)).ToList();

            cli.Signal("KILL");
            (await cli.WaitAsync()).ExitCode.Should().Be(137);
        }

        var database = scratch ?? string.Empty;
        database.Should().MatchRegex("^dbresilience_scratch_drill_[0-9a-f]{12}$", "the restore strategy created the drill's scratch database");
        (await DatabaseExistsAsync(database)).Should().BeTrue("a killed run cannot drop its scratch database");
        (await CommentOfAsync(database)).Should().BeEmpty("the drill comments its scratch database only once the restore has created it");
        intents.Should().ContainSingle("the drill records its scratch database before the restore");
        var record = await File.ReadAllTextAsync(intents[0]);
        record.Should().Contain("database=" + database + "\n").And.Contain("server=" + Server() + "\n");
        if (new NpgsqlConnectionStringBuilder(_connectionString).Password is { Length: > 0 } password)
        {
            record.Should().NotContain(password, "the record names the server, never the password");
        }

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "drill");

        exitCode.Should().Be(0, output + error);
        (await DatabaseExistsAsync(database)).Should().BeFalse("the next drill drops the scratch database its intent record names");
        (await DrillDatabasesAsync()).Should().BeEmpty("the next drill drops its own copy too");
        Leftovers(temporary).Should().BeEmpty("the record goes with its database, and the next drill's with its own");
        ReliabilityTrials.Record("leftovers/killed-drill", 1, 1, 0, "drill killed with SIGKILL while pg_restore loaded its scratch database (no comment yet); the next drill drops the database its intent record names");
    }

    [Test]
    public async Task Drill_IntentRecordsOfOthers_DropsOnlyThoseOfGoneProcessesOnThisHost()
    {
        // The CLI runs on this host; 4194305 is above the kernel's largest process id, so no process has it.
        var temporary = NewTemporary();
        var host = Environment.MachineName;
        var gone = await CreateDrillDatabaseAsync();
        var alive = await CreateDrillDatabaseAsync();
        var elsewhere = await CreateDrillDatabaseAsync();
        var otherServer = await CreateDrillDatabaseAsync();
        var notADrillName = await CreateScratchAsync("a database an operator made");
        var neverCreated = "dbresilience_scratch_drill_" + Guid.NewGuid().ToString("N")[..12];
        var goneRecord = WriteIntent(temporary, host, "4194305 1", Server(), gone);
        var aliveRecord = WriteIntent(temporary, host, $"{Environment.ProcessId} 0", Server(), alive);
        var elsewhereRecord = WriteIntent(temporary, "another-host.example", "4194305 1", Server(), elsewhere);
        var otherServerRecord = WriteIntent(temporary, host, "4194305 1", "db.example:5432", otherServer);
        var notADrillNameRecord = WriteIntent(temporary, host, "4194305 1", Server(), notADrillName);
        var neverCreatedRecord = WriteIntent(temporary, host, "4194305 1", Server(), neverCreated);

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "drill");
        try
        {
            exitCode.Should().Be(0, output + error);
            (await DatabaseExistsAsync(gone)).Should().BeFalse("its owner process is gone from this host");
            File.Exists(goneRecord).Should().BeFalse("the record goes with its database");
            (await DatabaseExistsAsync(alive)).Should().BeTrue("its owner (this test process) is alive");
            File.Exists(aliveRecord).Should().BeTrue();
            (await DatabaseExistsAsync(elsewhere)).Should().BeTrue("another host's processes cannot be seen from here");
            File.Exists(elsewhereRecord).Should().BeTrue();
            (await DatabaseExistsAsync(otherServer)).Should().BeTrue("a record of another server says nothing of this one's databases");
            File.Exists(otherServerRecord).Should().BeTrue();
            (await DatabaseExistsAsync(notADrillName)).Should().BeTrue("a record can only name a database the drill would have created");
            File.Exists(notADrillNameRecord).Should().BeTrue();
            File.Exists(neverCreatedRecord).Should().BeFalse("a record whose database never got created is just removed");
            (await DrillDatabasesAsync()).Split(", ").Should().BeEquivalentTo([alive, elsewhere, otherServer], "the drill dropped its own copy and the abandoned one only");
        }
        finally
        {
            foreach (var database in new[] { gone, alive, elsewhere, otherServer, notADrillName })
            {
                await BackupTestDatabase.ExecuteAsync(_connectionString, $"DROP DATABASE IF EXISTS {database}");
            }
        }
    }

    private string Server()
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString);
        return builder.Host + ":" + builder.Port;
    }

    private async Task<string> CommentOfAsync(string database) =>
        await BackupTestDatabase.ScalarAsync<string>(_connectionString, $"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{database}'");

    private async Task<string> CreateDrillDatabaseAsync()
    {
        var database = "dbresilience_scratch_drill_" + Guid.NewGuid().ToString("N")[..12];
        await BackupTestDatabase.ExecuteAsync(_connectionString, $"CREATE DATABASE {database}");
        return database;
    }

    private static string WriteIntent(string temporary, string host, string owner, string server, string database)
    {
        var path = Path.Combine(temporary, "dbresilience-database-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant() + ".intent");
        File.WriteAllText(path, $"dbresilience scratch database intent\nhost={host}\nowner={owner}\nserver={server}\nconnection-database=shop\ndatabase={database}\n");
        return path;
    }
}
