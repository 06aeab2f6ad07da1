using System.Diagnostics;
using System.Text;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Bad input, table-driven, through the built CLI: migration files, configuration, restore targets and storage keys. Every
/// case must exit with the documented code (2 for usage or configuration, 1 for an operation that failed), print a message
/// naming the input and the fix (a fragment per case), and change nothing: the library's migration tables, the server's list
/// of databases and the storage listing are the same before and after. One database and one storage serve every case; none
/// of them may change either, so nothing is restored between cases. Settings the CLI has no option for (cron, retention
/// numbers, tiers) are the library's configuration: those cases bind an in-memory configuration and expect the
/// <see cref="DbResilienceConfigurationException"/> the CLI turns into exit 2.
/// </summary>
[Category("Reliability")]
[NonParallelizable]
public sealed class BadInputTests : StorageDirectoryTests
{
    private static int s_passed;

    private string _database = null!;
    private string _storage = null!;
    private string _migrations = null!;
    private string _work = null!;
    private string _backupId = null!;

    /// <summary>One bad input: the arguments ({db}, {storage}, {migrations}, {work} and {backup} are filled in), the migration files to add, the environment to change, what to expect.</summary>
    public sealed record BadInput(string Name, string[] Arguments, int ExitCode, string[] Fragments)
    {
        /// <summary>Gets migration files added to a copy of the applied ones, by name.</summary>
        public Dictionary<string, byte[]> Files { get; init; } = [];

        /// <summary>Gets environment variables to set (a null value removes the variable).</summary>
        public Dictionary<string, string?> Environment { get; init; } = [];

        /// <summary>
        /// Gets a value indicating whether the case is a migration that fails in the database, which the library records (a
        /// <c>failed</c> row and its history, as documented) while its transaction leaves the schema untouched: such a case is
        /// checked on the rest and its failure record removed after it.
        /// </summary>
        public bool RecordsFailure { get; init; }

        /// <summary>Gets text that must not appear in the output.</summary>
        public string? Secret { get; init; }

        public override string ToString() => Name;
    }

    [OneTimeSetUp]
    public async Task SetUpAsync()
    {
        _database = await TestServers.CreateDatabaseAsync("badinput");
        await BackupTestDatabase.ExecuteAsync(_database, BackupTestDatabase.ShopSchema);
        _storage = NewStorage();
        _work = NewStorage();
        _migrations = Path.Combine(_work, "migrations");
        Directory.CreateDirectory(_migrations);
        await File.WriteAllTextAsync(Path.Combine(_migrations, "V1__create_notes.sql"), "CREATE TABLE notes (id int PRIMARY KEY, body text);\n");
        var migrate = await RunAsync(["migrate", "--migrations", _migrations], []);
        migrate.ExitCode.Should().Be(0, migrate.Output);
        var backup = await RunAsync(["backup", "--json"], []);
        backup.ExitCode.Should().Be(0, backup.Output);
        _backupId = Directory.GetDirectories(Path.Combine(_storage, "backups")).Select(Path.GetFileName).Single()!;
    }

    /// <summary>Records the catalogue: "lost" counts the cases that were not refused as documented (run, but not passed).</summary>
    [OneTimeTearDown]
    public void Summarise()
    {
        var cases = CliCases().Count() + ConfigurationCases().Count();
        ReliabilityTrials.Record("bad-input/catalogue", cases, 0, cases - s_passed,
            $"{CliCases().Count()} CLI cases and {ConfigurationCases().Count()} configuration cases; {s_passed} passed: exit code, a message naming the input and the fix, nothing changed");
    }

    public static IEnumerable<BadInput> CliCases()
    {
        byte[] Text(string text) => Encoding.UTF8.GetBytes(text);
        string[] Migrate = ["migrate", "--migrations", "{migrations}"];

        // Migration files.
        yield return new("migration: one underscore", Migrate, 2, ["V2_add_email.sql", "V<version>__<name>.sql"]) { Files = { ["V2_add_email.sql"] = Text("SELECT 1;") } };
        yield return new("migration: version not a number", Migrate, 2, ["Vtwo__add_email.sql"]) { Files = { ["Vtwo__add_email.sql"] = Text("SELECT 1;") } };
        yield return new("migration: no name", Migrate, 2, ["V2__.sql"]) { Files = { ["V2__.sql"] = Text("SELECT 1;") } };
        yield return new("migration: duplicate version", Migrate, 2, ["V2__a.sql", "V2__b.sql"]) { Files = { ["V2__a.sql"] = Text("SELECT 1;"), ["V2__b.sql"] = Text("SELECT 2;") } };
        yield return new("migration: duplicate of an applied version", Migrate, 2, ["V1__create_notes.sql", "V1__again.sql"]) { Files = { ["V1__again.sql"] = Text("SELECT 1;") } };
        yield return new("migration: not UTF-8", Migrate, 2, ["V2__latin1.sql", "UTF-8"]) { Files = { ["V2__latin1.sql"] = [.. Text("INSERT INTO notes VALUES (1, 'caf"), 0xE9, .. Text("');")] } };
        yield return new("migration: empty file", Migrate, 2, ["V2__empty.sql", "empty"]) { Files = { ["V2__empty.sql"] = [] } };
        yield return new("migration: only blanks", Migrate, 2, ["V2__blank.sql", "empty"]) { Files = { ["V2__blank.sql"] = Text("  \n\n\t\n") } };
        yield return new("migration: statement error on line 3", Migrate, 1, ["V2__broken.sql", "line 3", "42P01"])
        {
            RecordsFailure = true,
            Files = { ["V2__broken.sql"] = Text("-- adds a column\nALTER TABLE notes ADD COLUMN title text;\nUPDATE no_such_table SET x = 1;\n") },
        };
        yield return new("migration: syntax error on line 2", Migrate, 1, ["V2__syntax.sql", "line 2", "42601"]) { Files = { ["V2__syntax.sql"] = Text("SELECT 1;\nSELEC 2;\n") }, RecordsFailure = true };
        yield return new("migration: rollback without its migration", Migrate, 2, ["R7__undo.sql"]) { Files = { ["R7__undo.sql"] = Text("SELECT 1;") } };
        yield return new("migration: seed without its migration", Migrate, 2, ["S7__seed.sql"]) { Files = { ["S7__seed.sql"] = Text("SELECT 1;") } };
        yield return new("migration: directory missing", ["migrate", "--migrations", "{work}/no-such-dir"], 2, ["no-such-dir", "does not exist", "V<version>__<name>.sql"]);
        yield return new("migration: target not a number", ["migrate", "--migrations", "{migrations}", "--target", "latest"], 2, ["--target", "latest"]);
        yield return new("migration: rollback to a negative version", ["rollback", "--migrations", "{migrations}", "--to", "-1"], 2, ["--to", "-1"]);
        yield return new("migration: negative lock timeout", ["migrate", "--migrations", "{migrations}", "--lock-timeout", "-5"], 2, ["--lock-timeout", "positive", "-5"]);

        // Configuration.
        yield return new("storage: unknown scheme", ["backups", "list", "--storage", "ftp://host/backups"], 2, ["ftp://host/backups", "file:///"]);
        yield return new("storage: relative path", ["backups", "list", "--storage", "backups/here"], 2, ["backups/here", "absolute"]);
        yield return new("storage: file URI with a host", ["backups", "list", "--storage", "file://backups/here"], 2, ["file://backups/here", "three slashes"]);
        yield return new("storage: S3 without a bucket", ["backups", "list", "--storage", "s3:///prefix"], 2, ["s3:///prefix", "bucket"]);
        yield return new("storage: S3 credentials in the URI", ["backups", "list", "--storage", "s3://AKIAEXAMPLE:Sup3rSecret@bucket/p"], 2, ["AWS_ACCESS_KEY_ID"]) { Secret = "Sup3rSecret" };
        yield return new("storage: S3 endpoint not http", ["backups", "list", "--storage", "s3://bucket/p?endpoint=ftp://127.0.0.1:1"], 2, ["endpoint", "ftp://127.0.0.1:1", "http"]);
        yield return new("storage: S3 part size too small", ["backups", "list", "--storage", "s3://bucket/p?partSizeMiB=1"], 2, ["partSizeMiB", "5"]);
        yield return new("storage: S3 unknown parameter", ["backups", "list", "--storage", "s3://bucket/p?bucketz=1"], 2, ["bucketz"]);
        yield return new("storage: S3 credentials missing", ["backups", "list", "--storage", "s3://bucket/p?endpoint=http://127.0.0.1:9&region=us-east-1&pathStyle=true"], 2, ["s3://bucket/p", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "credentials"])
        {
            Environment =
            {
                ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_PROFILE"] = null, ["AWS_SESSION_TOKEN"] = null,
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials", ["AWS_CONFIG_FILE"] = "/nonexistent/config", ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = null, ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = null, ["AWS_WEB_IDENTITY_TOKEN_FILE"] = null,
            },
        };
        yield return new("storage: none configured", ["backup"], 2, ["--storage", "DBRESILIENCE_STORAGE"]) { Environment = { ["DBRESILIENCE_STORAGE"] = null } };
        yield return new("connection: none configured", ["backup"], 2, ["--connection", "DBRESILIENCE_CONNECTION"]) { Environment = { ["DBRESILIENCE_CONNECTION"] = null } };
        yield return new("connection: not a connection string", ["backup", "--connection", "Host=127.0.0.1;Bogus Key=1"], 2, ["bogus key"]);
        yield return new("jobs: unknown time zone", ["jobs", "--time-zone", "Mars/Olympus_Mons"], 2, ["Mars/Olympus_Mons", "IANA"]);
        yield return new("backup: unknown tier", ["backup", "--tier", "Hourly Backups!"], 2, ["Hourly Backups!", "lowercase letters"]);
        yield return new("backup: unknown format", ["backup", "--format", "zip"], 2, ["zip", "--format"]);
        yield return new("restore: zero jobs", ["restore", "latest", "--target-database", "badinput_zero_jobs", "-j", "0"], 2, ["--jobs", "1 or more", "not 0"]);

        // Restore targets.
        yield return new("restore: unknown backup id", ["restore", "20990101T000000Z-daily-abcd", "--target-database", "badinput_unknown"], 1, ["20990101T000000Z-daily-abcd", "backups list"]);
        yield return new("verify: unknown backup id", ["verify", "20990101T000000Z-daily-abcd"], 1, ["20990101T000000Z-daily-abcd", "backups list"]);
        yield return new("restore: malformed backup id", ["restore", "20990101T000000Z-nosuch", "--target-database", "badinput_unknown"], 2, ["20990101T000000Z-nosuch", "backups list"]);
        yield return new("restore: existing target without --force", ["restore", "{backup}", "--target-database", "postgres"], 1, ["postgres", "--force"]);
        yield return new("restore: target name longer than PostgreSQL keeps", ["restore", "{backup}", "--target-database", "badinput_" + new string('x', 60)], 2, ["--target-database", "badinput_xxxx", "63 bytes"]);
        yield return new("restore: empty target name", ["restore", "{backup}", "--target-database", ""], 2, ["--target-database", "1 to 63 bytes"]);
        yield return new("restore-table: live database does not exist", ["restore-table", "{backup}", "--table", "shop.orders", "--connection", "{nodb}"], 1, ["badinput_no_such_db"]);
        yield return new("migrate: database does not exist", ["migrate", "--migrations", "{migrations}", "--connection", "{nodb}"], 1, ["badinput_no_such_db"]);
        yield return new("restore-table: unknown table", ["restore-table", "{backup}", "--table", "shop.no_such_table"], 1, ["no_such_table", "restore --table"]);
        yield return new("restore-table: not SCHEMA.TABLE", ["restore-table", "{backup}", "--table", "a.b.c"], 2, ["a.b.c", "SCHEMA.TABLE"]);
        yield return new("pitr: a time with no base backup stored", ["pitr", "restore", "--time", "1999-01-01T00:00:00Z", "--target-dir", "{work}/pitr-old"], 1, ["No base backup", "dbresilience basebackup"]);
        yield return new("pitr: time not a time", ["pitr", "restore", "--time", "yesterday-ish", "--target-dir", "{work}/pitr-bad"], 2, ["yesterday-ish", "--time"]);
        yield return new("pitr: existing target directory without --force", ["pitr", "restore", "--latest", "--target-dir", "{migrations}"], 1, ["is not empty", "nothing was written", "--force"]);
        yield return new("pitr: two targets", ["pitr", "restore", "--latest", "--immediate", "--target-dir", "{work}/pitr-two"], 2, ["--latest", "--immediate"]);

        // Storage keys.
        yield return new("storage key: traversal prefix", ["storage", "ls", "--prefix", "../outside"], 2, ["--prefix", "../outside"]);
        yield return new("storage key: absolute prefix", ["storage", "ls", "--prefix", "/etc"], 2, ["--prefix", "/etc"]);
        yield return new("storage key: control character", ["storage", "ls", "--prefix", "back\u0001ups/"], 2, ["--prefix", "control"]);
        yield return new("storage key: copy prefix traversal", ["storage", "copy", "--from", "{storageUri}", "--to", "file:///tmp/badinput-copy", "--prefix", "backups/../../x"], 2, ["--prefix", ".."]);
        yield return new("backup id: traversal", ["verify", "../../etc"], 2, ["../../etc"]);
        yield return new("backup id: absolute path", ["restore", "/etc/passwd", "--target-database", "badinput_abs"], 2, ["/etc/passwd"]);
        yield return new("backup id: control character", ["verify", "2026\nfake"], 2, ["backup id"]);
        yield return new("wal-push: not a WAL file name", ["wal-push", "/etc/passwd"], 2, ["passwd", "WAL"]);
        yield return new("wal-fetch: traversal in the name", ["wal-fetch", "../../etc/passwd", "{work}/fetched"], 2, ["../../etc/passwd", "WAL"]);
    }

    public static IEnumerable<TestCaseData> ConfigurationCases()
    {
        TestCaseData Case(string name, string key, string value, params string[] fragments)
            => new TestCaseData(key, value, fragments).SetName("Configuration_" + name + "_RefusedNamingIt");

        yield return Case("CronOutOfRange", "Scheduler:Jobs:DailyBackup:Cron", "61 2 * * *", "DailyBackup", "Cron");
        yield return Case("CronWords", "Scheduler:Jobs:DailyBackup:Cron", "every night", "DailyBackup", "Cron");
        yield return Case("CronTooFewFields", "Scheduler:Jobs:Verification:Cron", "0 6 *", "Verification", "Cron");
        yield return Case("UnknownJob", "Scheduler:Jobs:NightlyBakup:Cron", "0 2 * * *", "NightlyBakup", "AddScheduledJob");
        yield return Case("NegativeDaily", "Backups:Retention:Daily", "-1", "Daily", "negative");
        yield return Case("ZeroBaseBackups", "Backups:Retention:BaseBackups", "0", "BaseBackups", "at least 1");
        yield return Case("RetentionNotANumber", "Backups:Retention:Weekly", "four", "Weekly");
        yield return Case("UnknownTier", "Backups:Tier", "Hourly Backups!", "Tier");
        yield return Case("UnknownKey", "Backups:Tierz", "daily", "Tierz");
        yield return Case("UnknownTimeZone", "Scheduler:TimeZone", "Mars/Olympus_Mons", "Mars/Olympus_Mons", "IANA");
    }

    [TestCaseSource(nameof(CliCases))]
    public async Task Cli_BadInput_DocumentedExitCodeMessageNamingItAndNothingChanged(BadInput badInput)
    {
        var migrations = CopyMigrations(badInput.Files);
        var arguments = badInput.Arguments.Select(a => a
            .Replace("{migrations}", migrations, StringComparison.Ordinal)
            .Replace("{work}", _work, StringComparison.Ordinal)
            .Replace("{storageUri}", new Uri(_storage).AbsoluteUri, StringComparison.Ordinal)
            .Replace("{backup}", _backupId, StringComparison.Ordinal)
            .Replace("{nodb}", new NpgsqlConnectionStringBuilder(_database) { Database = "badinput_no_such_db" }.ConnectionString, StringComparison.Ordinal)).ToArray();
        var before = await SnapshotAsync(badInput.RecordsFailure);

        var (exitCode, output) = await RunAsync(arguments, badInput.Environment);

        var after = await SnapshotAsync(badInput.RecordsFailure);
        if (badInput.RecordsFailure)
        {
            await BackupTestDatabase.ExecuteAsync(_database,
                "DELETE FROM dbresilience.migration_history WHERE version IN (SELECT version FROM dbresilience.schema_migrations WHERE status = 'failed'); DELETE FROM dbresilience.schema_migrations WHERE status = 'failed'");
        }

        exitCode.Should().Be(badInput.ExitCode, output);
        foreach (var fragment in badInput.Fragments)
        {
            output.Should().Contain(fragment, "the message names the input and the fix");
        }

        output.Should().NotContain("   at ", "a bad input is not a crash: no stack trace");
        if (badInput.Secret is { } secret)
        {
            output.Should().NotContain(secret);
        }

        after.Should().Be(before, "a refused input changes nothing");
        Interlocked.Increment(ref s_passed);
    }

    [TestCaseSource(nameof(ConfigurationCases))]
    public void Configuration_BadValue_RefusedNamingIt(string key, string value, string[] fragments)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("DbResilience:" + key, value)]).Build().GetSection("DbResilience");
        var build = () => new DbResilienceBuilder()
            .UsePostgreSql("Host=127.0.0.1;Database=unused")
            .UseFileSystemStorage(_storage)
            .EnableScheduler()
            .BindConfiguration(configuration)
            .Build();

        var message = build.Should().Throw<DbResilienceConfigurationException>().Which.Message;
        foreach (var fragment in fragments)
        {
            message.Should().Contain(fragment);
        }

        Interlocked.Increment(ref s_passed);
    }

    private string CopyMigrations(Dictionary<string, byte[]> files)
    {
        if (files.Count == 0)
        {
            return _migrations;
        }

        var directory = Path.Combine(_work, "migrations-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(_migrations))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        foreach (var (name, bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }

        return directory;
    }

    /// <summary>
    /// What no bad input may change: the migration tables' rows, the databases on the server, the application's schema (the
    /// library's own bookkeeping tables, such as recovery_history where a refused restore is recorded, are not counted), the
    /// storage listing.
    /// </summary>
    private async Task<string> SnapshotAsync(bool exceptFailures)
    {
        var text = new StringBuilder();
        text.AppendLine(await BackupTestDatabase.ScalarAsync<string>(_database,
            "SELECT coalesce(string_agg(format('%s %s %s', version, status, checksum), E'\\n' ORDER BY version), '') FROM dbresilience.schema_migrations"
            + (exceptFailures ? " WHERE status <> 'failed'" : string.Empty)));
        if (!exceptFailures)
        {
            text.AppendLine((await BackupTestDatabase.ScalarAsync<long>(_database, "SELECT count(*) FROM dbresilience.migration_history")).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        text.AppendLine(await BackupTestDatabase.ScalarAsync<string>(_database,
            "SELECT string_agg(table_schema || '.' || table_name || '.' || column_name, ',' ORDER BY 1) FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'dbresilience')"));
        text.AppendLine(await BackupTestDatabase.ScalarAsync<string>(_database, "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'badinput%'"));
        foreach (var file in Directory.EnumerateFiles(_storage, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetRelativePath(_storage, file)} {new FileInfo(file).Length}");
        }

        text.AppendLine(Directory.Exists("/tmp/badinput-copy") ? "copy made" : "no copy");
        return text.ToString();
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliProcess.DllPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DBRESILIENCE_CONNECTION"] = _database;
        start.Environment["DBRESILIENCE_STORAGE"] = new Uri(_storage).AbsoluteUri;
        start.Environment.Remove(BackupOptions.EncryptionKeyVariable);
        start.Environment["TMPDIR"] = _work;
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
