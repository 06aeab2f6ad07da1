using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience demo</c>: the whole story on a throwaway local PostgreSQL cluster, with no configuration.
/// Each step runs a real <c>dbresilience</c> verb in this process, as an operator would run it, with the connection string
/// and storage in the environment (never on a command line).
/// </summary>
internal static class DemoCommand
{
    // The schema of a reading application, in schemas by area: accounts, the catalogue, AI dialogues, uploaded files, billing.
    private const string Migration1 = """
        CREATE SCHEMA identity;
        CREATE SCHEMA library;
        CREATE SCHEMA dialogue;
        CREATE SCHEMA storage;
        CREATE SCHEMA billing;
        CREATE TABLE identity.users (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            email text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE library.books (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            title text NOT NULL,
            author text NOT NULL);
        CREATE TABLE dialogue.sessions (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES identity.users(id),
            book_id bigint NOT NULL REFERENCES library.books(id),
            started_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE dialogue.messages (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            session_id bigint NOT NULL REFERENCES dialogue.sessions(id),
            role text NOT NULL CHECK (role IN ('user', 'assistant')),
            content text NOT NULL,
            sent_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE storage.uploads (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL,
            file_name text NOT NULL,
            size_bytes bigint NOT NULL);
        CREATE TABLE billing.subscriptions (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES identity.users(id),
            plan text NOT NULL,
            price numeric(12,2) NOT NULL);
        """;

    private const string Rollback1 = "DROP SCHEMA billing, storage, dialogue, library, identity CASCADE;";

    private const string Migration2 = "CREATE INDEX CONCURRENTLY messages_session_id_idx ON dialogue.messages (session_id);";

    private const string Rollback2 = "DROP INDEX CONCURRENTLY dialogue.messages_session_id_idx;";

    // Disaster 3: a migration whose second statement names a column that does not exist. It runs in one transaction, so
    // the first statement is rolled back with it; the fixed file then applies, and its rollback undoes it.
    private const string Migration3Broken = """
        ALTER TABLE billing.subscriptions ADD COLUMN discount numeric(12,2) NOT NULL DEFAULT 0;
        UPDATE billing.subscriptions SET price = price - discount WHERE usr_id IS NOT NULL;
        """;

    private const string Migration3Fixed = """
        ALTER TABLE billing.subscriptions ADD COLUMN discount numeric(12,2) NOT NULL DEFAULT 0;
        UPDATE billing.subscriptions SET price = price - discount WHERE user_id IS NOT NULL;
        """;

    private const string Rollback3 = "ALTER TABLE billing.subscriptions DROP COLUMN discount;";

    private const double RtoObjectiveSeconds = 3600;

    private const double RpoObjectiveSeconds = 60;

    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the throwaway cluster and its storage in place at the end (the connection string is printed)." };
        var copyTo = new Option<string?>("--copy-to")
        {
            Description = "Also copy the backups to this storage URI, an off-site copy (for example s3://bucket/prefix?endpoint=...; credentials from the AWS "
                + "environment variables), and verify them there. './build.sh demo' passes a throwaway S3 server on 127.0.0.1.",
        };
        var command = new Command(
            "demo",
            "Start a throwaway PostgreSQL cluster on 127.0.0.1 with WAL archiving into a local storage, then run the tool's verbs against it: "
            + "migrations, a logical and a base backup, verification, three disasters each recovered (a bad DELETE, a dropped table, a failed migration), "
            + "a point-in-time recovery drill, "
            + "a restore drill and the integrity checks; print a summary with the rows lost and the measured RTO and RPO, and remove everything. --json: the summary alone on standard output.");
        command.Options.Add(keep);
        command.Options.Add(copyTo);
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var demo = new Demo();
            if (!parse.GetValue(GlobalOptions.Json))
            {
                return await demo.RunAsync(parse.GetValue(keep), parse.GetValue(copyTo), cancellationToken);
            }

            // --json: the verbs' own output goes to standard error, and standard output carries only the summary.
            var output = Console.Out;
            Console.SetOut(Console.Error);
            try
            {
                var exitCode = await demo.RunAsync(parse.GetValue(keep), parse.GetValue(copyTo), cancellationToken);
                await using var stdout = Console.OpenStandardOutput();
                demo.WriteJson(stdout);
                return exitCode;
            }
            finally
            {
                Console.SetOut(output);
            }
        }));
        return command;
    }

    private sealed class Demo
    {
        private readonly List<(string Name, TimeSpan Duration, bool Passed, string Detail)> _steps = new();
        private readonly Stopwatch _total = Stopwatch.StartNew();
        private readonly List<(string Name, string RecoveredBy, long RowsBefore, long RowsAfter)> _disasters = new();
        private double? _rto;
        private double? _pitrRto;
        private double? _rpo;

        public async Task<int> RunAsync(bool keep, string? copyTo, CancellationToken cancellationToken)
        {
            var root = Directory.CreateTempSubdirectory("dbresilience-demo-").FullName;
            var storage = Path.Combine(root, "storage");
            var migrations = Path.Combine(root, "migrations");
            Directory.CreateDirectory(storage);
            Directory.CreateDirectory(migrations);
            if (!OperatingSystem.IsWindows())
            {
                // PostgreSQL's archive_command runs as the server's OS user and writes WAL into this storage.
                File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
                File.SetUnixFileMode(storage, (UnixFileMode)0b111_111_111);
            }

            Banner($"Starting a throwaway PostgreSQL cluster on 127.0.0.1, archiving WAL with 'dbresilience wal-push' into {storage}");
            var watch = Stopwatch.StartNew();
            var cluster = await LocalPostgreSqlCluster.StartNewAsync(
                new LocalClusterOptions
                {
                    Settings =
                    {
                        ["archive_mode"] = "on",
                        ["archive_command"] = "'" + ArchiveCommand(storage).Replace("'", "''", StringComparison.Ordinal) + "'",
                        ["archive_timeout"] = "10",
                    },
                },
                cancellationToken);
            var previousConnection = Environment.GetEnvironmentVariable(GlobalOptions.ConnectionVariable);
            var previousStorage = Environment.GetEnvironmentVariable(GlobalOptions.StorageVariable);
            try
            {
                Record("start cluster", watch.Elapsed, true, $"PostgreSQL from {cluster.BinDirectory}, port {cluster.Port}");
                await cluster.ExecuteAsync("CREATE DATABASE shop", cancellationToken);
                var shop = cluster.GetConnectionString("shop");

                // The verbs read their configuration from the environment, as in cron: no secret on any command line.
                Environment.SetEnvironmentVariable(GlobalOptions.ConnectionVariable, shop);
                Environment.SetEnvironmentVariable(GlobalOptions.StorageVariable, new Uri(storage).AbsoluteUri);

                await File.WriteAllTextAsync(Path.Combine(migrations, "V1__reading_app.sql"), Migration1, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "R1__reading_app.sql"), Rollback1, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "V2__messages_session_index.sql"), Migration2, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "R2__messages_session_index.sql"), Rollback2, cancellationToken);
                await VerbAsync("migrate", ["migrate", "--migrations", migrations]);
                await VerbAsync("status", ["status", "--migrations", migrations]);

                Banner("Loading sample rows");
                watch.Restart();
                await ExecuteAsync(
                    shop,
                    """
                    INSERT INTO identity.users (email) SELECT 'reader' || g || '@example.com' FROM generate_series(1, 2000) g;
                    INSERT INTO library.books (title, author) SELECT 'Book ' || g, 'Author ' || (g % 100) FROM generate_series(1, 500) g;
                    INSERT INTO dialogue.sessions (user_id, book_id) SELECT 1 + (g % 2000), 1 + (g % 500) FROM generate_series(1, 5000) g;
                    INSERT INTO dialogue.messages (session_id, role, content)
                        SELECT 1 + (g % 5000), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, 'message ' || g FROM generate_series(1, 50000) g;
                    INSERT INTO storage.uploads (user_id, file_name, size_bytes) SELECT 1 + (g % 2000), 'upload' || g || '.pdf', g * 1024 FROM generate_series(1, 5000) g;
                    INSERT INTO billing.subscriptions (user_id, plan, price) SELECT g, 'monthly', 9.99 FROM generate_series(1, 1500) g;
                    """,
                    cancellationToken);
                var messagesBefore = await CountAsync(shop, "dialogue.messages", cancellationToken);
                var uploadsBefore = await CountAsync(shop, "storage.uploads", cancellationToken);
                var subscriptionsBefore = await CountAsync(shop, "billing.subscriptions", cancellationToken);
                Record("sample data", watch.Elapsed, true, $"2000 users, 500 books, 5000 dialogue sessions, {messagesBefore} messages, {uploadsBefore} uploads, {subscriptionsBefore} subscriptions");

                await VerbAsync("check", ["check"]);
                await VerbAsync("basebackup", ["basebackup"]);
                await VerbAsync("backup", ["backup", "--tier", "daily"]);
                await VerbAsync("verify", ["verify", "latest"]);
                await VerbAsync("backups list", ["backups", "list"]);
                if (copyTo is not null)
                {
                    Banner("An off-site copy: the backups copied to a second storage, then verified there alone");
                    await VerbAsync("storage copy", ["storage", "copy", "--from", new Uri(storage).AbsoluteUri, "--to", copyTo, "--prefix", "backups/"]);
                    await VerbAsync("verify the copy", ["verify", "latest", "--storage", copyTo]);
                }

                Banner("Disaster 1: a bad DELETE removes a third of the dialogue messages");
                var deleted = await ExecuteAsync(shop, "DELETE FROM dialogue.messages WHERE id % 3 = 0", cancellationToken);
                Console.WriteLine($"  DELETE FROM dialogue.messages WHERE id % 3 = 0   -- {deleted} rows gone, {await CountAsync(shop, "dialogue.messages", cancellationToken)} left");
                await VerbAsync("restore-table", ["restore-table", "latest", "--table", "dialogue.messages", "--mode", "replace"]);
                Disaster("a bad DELETE of a third of the messages", "restore-table --mode replace", messagesBefore, await CountAsync(shop, "dialogue.messages", cancellationToken));

                Banner("Disaster 2: a dropped table");
                await ExecuteAsync(shop, "DROP TABLE storage.uploads", cancellationToken);
                Console.WriteLine($"  DROP TABLE storage.uploads   -- {uploadsBefore} rows gone");
                await VerbAsync("restore --table", ["restore", "latest", "--target-database", "shop", "--table", "storage.uploads", "--force"]);
                Disaster("a dropped table (storage.uploads)", "restore --table storage.uploads --force", uploadsBefore, await CountIfExistsAsync(shop, "storage.uploads", cancellationToken));

                Banner("Disaster 3: a failed migration");
                await File.WriteAllTextAsync(Path.Combine(migrations, "V3__subscriptions_discount.sql"), Migration3Broken, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "R3__subscriptions_discount.sql"), Rollback3, cancellationToken);
                var failed = await VerbAsync("migrate (fails)", ["migrate", "--migrations", migrations], expectedExitCode: ExitCodes.Failure);
                var untouched = !await ColumnExistsAsync(shop, "billing", "subscriptions", "discount", cancellationToken);
                Record("schema untouched", TimeSpan.Zero, failed == ExitCodes.Failure && untouched, untouched ? "the failed migration was rolled back whole" : "column billing.subscriptions.discount is left behind");
                await File.WriteAllTextAsync(Path.Combine(migrations, "V3__subscriptions_discount.sql"), Migration3Fixed, cancellationToken);
                await VerbAsync("migrate (fixed)", ["migrate", "--migrations", migrations]);
                await VerbAsync("rollback", ["rollback", "--migrations", migrations, "--to", "2"]);
                Disaster("a failed migration (V3, billing.subscriptions)", "fixed and applied, then rollback --to 2", subscriptionsBefore, await CountAsync(shop, "billing.subscriptions", cancellationToken));

                Banner("Disaster 4: point-in-time recovery to the moment before a DELETE (the PITR drill)");
                var pitr = await JsonVerbAsync("pitr drill", ["pitr", "drill", "--json"]);
                _rpo = pitr is null ? null : Seconds(pitr.RootElement, "rpo");
                _pitrRto = pitr is null ? null : Seconds(pitr.RootElement, "rto");

                Banner("A timed restore drill of the latest logical backup");
                var drill = await JsonVerbAsync("drill", ["drill", "--json"]);
                _rto = drill?.RootElement.TryGetProperty("rtoSeconds", out var r) == true && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : (double?)null;

                await VerbAsync("integrity", ["integrity"]);
                await VerbAsync("pitr window", ["pitr", "window"]);

                Record("RTO", TimeSpan.Zero, _rto is { } rto && rto <= RtoObjectiveSeconds, $"objective {RtoObjectiveSeconds} s");
                Record("RPO", TimeSpan.Zero, _rpo is { } rpo && rpo <= RpoObjectiveSeconds, $"objective {RpoObjectiveSeconds} s");
                Summary();
                if (keep)
                {
                    Console.WriteLine();
                    Console.WriteLine($"Kept (--keep): DBRESILIENCE_CONNECTION='{shop}' DBRESILIENCE_STORAGE='{new Uri(storage).AbsoluteUri}'");
                    Console.WriteLine($"Stop the cluster with: pg_ctl stop -D {cluster.DataDirectory}");
                    cluster = null;
                }

                return _steps.TrueForAll(s => s.Passed) ? ExitCodes.Success : ExitCodes.Failure;
            }
            finally
            {
                Environment.SetEnvironmentVariable(GlobalOptions.ConnectionVariable, previousConnection);
                Environment.SetEnvironmentVariable(GlobalOptions.StorageVariable, previousStorage);
                if (cluster is not null)
                {
                    Banner("Stopping and removing the throwaway cluster and its storage");
                    await cluster.DisposeAsync();
                    Directory.Delete(root, recursive: true);
                }
            }
        }

        private static string ArchiveCommand(string storage)
        {
            // The server runs this as its own OS user: the storage is in the command's environment, as docs/point-in-time-recovery.md shows.
            // Under the dotnet host the CLI is dbresilience.dll beside this code; the apphost and the NativeAOT binary are the
            // process itself (a single-file binary has no assembly location to ask for).
            var process = Environment.ProcessPath ?? "dotnet";
            var runner = Path.GetFileNameWithoutExtension(process) == "dotnet"
                ? $"'{process}' '{Path.Combine(AppContext.BaseDirectory, "dbresilience.dll")}'"
                : $"'{process}'";
            return $"DBRESILIENCE_STORAGE='{new Uri(storage).AbsoluteUri}' DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 {runner} wal-push %p";
        }

        private static double? Seconds(JsonElement root, string name)
            => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                && TimeSpan.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var span)
                ? span.TotalSeconds
                : null;

        private static async Task<long> CountAsync(string connectionString, string table, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            // The demo's own schema-qualified names (schema.table), each part quoted.
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table.Replace(".", "\".\"", StringComparison.Ordinal)}\"", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        private static async Task<long> CountIfExistsAsync(string connectionString, string table, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection);
            exists.Parameters.AddWithValue("table", table);
            return (bool)(await exists.ExecuteScalarAsync(cancellationToken))! ? await CountAsync(connectionString, table, cancellationToken) : 0;
        }

        private static async Task<bool> ColumnExistsAsync(string connectionString, string schema, string table, string column, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table AND column_name = @column)", connection);
            command.Parameters.AddWithValue("schema", schema);
            command.Parameters.AddWithValue("table", table);
            command.Parameters.AddWithValue("column", column);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        private static async Task<int> ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private static void Banner(string text)
        {
            Console.WriteLine();
            Console.WriteLine("==> " + text);
        }

        private async Task<int> VerbAsync(string name, string[] args, int expectedExitCode = ExitCodes.Success)
        {
            Banner("$ dbresilience " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)));
            var watch = Stopwatch.StartNew();
            var exitCode = await CliApplication.RunAsync(args);
            Record(name, watch.Elapsed, exitCode == expectedExitCode, exitCode == expectedExitCode && exitCode == ExitCodes.Success ? string.Empty : $"exit code {exitCode}");
            return exitCode;
        }

        private async Task<JsonDocument?> JsonVerbAsync(string name, string[] args)
        {
            Banner("$ dbresilience " + string.Join(' ', args));
            var watch = Stopwatch.StartNew();
            var output = new StringWriter(CultureInfo.InvariantCulture);
            var console = Console.Out;
            Console.SetOut(output);
            int exitCode;
            try
            {
                exitCode = await CliApplication.RunAsync(args);
            }
            finally
            {
                Console.SetOut(console);
            }

            var text = output.ToString();
            Console.WriteLine(text.TrimEnd());
            Record(name, watch.Elapsed, exitCode == ExitCodes.Success, exitCode == ExitCodes.Success ? string.Empty : $"exit code {exitCode}");
            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private void Record(string name, TimeSpan duration, bool passed, string detail) => _steps.Add((name, duration, passed, detail));

        private void Disaster(string name, string recoveredBy, long rowsBefore, long rowsAfter)
        {
            _disasters.Add((name, recoveredBy, rowsBefore, rowsAfter));
            Record("recovered", TimeSpan.Zero, rowsAfter == rowsBefore, $"{name}: {rowsAfter} of {rowsBefore} rows after {recoveredBy}");
        }

        /// <summary>Writes the summary as JSON: every step, each disaster with its rows lost, the RTO and RPO against their objectives.</summary>
        public void WriteJson(Stream stream)
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteBoolean("passed", _steps.Count > 0 && _steps.TrueForAll(s => s.Passed));
            writer.WriteNumber("totalSeconds", Math.Round(_total.Elapsed.TotalSeconds, 2));
            WriteNullable(writer, "rtoSeconds", _rto);
            writer.WriteNumber("rtoObjectiveSeconds", RtoObjectiveSeconds);
            WriteNullable(writer, "pointInTimeRtoSeconds", _pitrRto);
            WriteNullable(writer, "rpoSeconds", _rpo);
            writer.WriteNumber("rpoObjectiveSeconds", RpoObjectiveSeconds);
            writer.WriteNumber("rowsLost", _disasters.Sum(d => Math.Max(0, d.RowsBefore - d.RowsAfter)));
            writer.WriteStartArray("disasters");
            foreach (var (name, recoveredBy, before, after) in _disasters)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("recoveredBy", recoveredBy);
                writer.WriteNumber("rowsBefore", before);
                writer.WriteNumber("rowsAfter", after);
                writer.WriteNumber("rowsLost", Math.Max(0, before - after));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("steps");
            foreach (var (name, duration, passed, detail) in _steps)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteBoolean("passed", passed);
                writer.WriteNumber("seconds", Math.Round(duration.TotalSeconds, 2));
                writer.WriteString("detail", detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
        }

        private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
        {
            if (value is { } v)
            {
                writer.WriteNumber(name, Math.Round(v, 2));
            }
            else
            {
                writer.WriteNull(name);
            }
        }

        private void Summary()
        {
            Console.WriteLine();
            Console.WriteLine("Summary");
            foreach (var (name, duration, passed, detail) in _steps)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(passed ? "ok  " : "FAIL")}  {name,-16} {duration.TotalSeconds,7:F2} s  {detail}"));
            }

            Console.WriteLine();
            foreach (var (name, recoveredBy, before, after) in _disasters)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} recovered by {recoveredBy}: {before - after} of {before} rows lost"));
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  restore drill RTO        {(_rto is { } a ? $"{a:F1} s" : "n/a")} (objective {RtoObjectiveSeconds} s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  point-in-time RTO        {(_pitrRto is { } b ? $"{b:F1} s" : "n/a")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  point-in-time RPO        {(_rpo is { } c ? $"{c:F1} s" : "n/a")} (objective {RpoObjectiveSeconds} s; archive_timeout 10 s; stream WAL for less)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  rows lost in all         {_disasters.Sum(d => d.RowsBefore - d.RowsAfter)}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  total {_total.Elapsed.TotalSeconds:F1} s: {(_steps.TrueForAll(s => s.Passed) ? "every step passed" : "a step FAILED")}"));
        }
    }
}
