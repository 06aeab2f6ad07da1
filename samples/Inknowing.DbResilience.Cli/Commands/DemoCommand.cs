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
    private const string Migration1 = """
        CREATE TABLE customers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            email text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE orders (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES customers(id),
            total numeric(12,2) NOT NULL,
            placed_at timestamptz NOT NULL DEFAULT now());
        """;

    private const string Rollback1 = "DROP TABLE orders; DROP TABLE customers;";

    private const string Migration2 = "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);";

    private const string Rollback2 = "DROP INDEX CONCURRENTLY orders_customer_id_idx;";

    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the throwaway cluster and its storage in place at the end (the connection string is printed)." };
        var command = new Command(
            "demo",
            "Start a throwaway PostgreSQL cluster on 127.0.0.1 with WAL archiving into a local storage, then run the tool's verbs against it: "
            + "migrations, a logical and a base backup, verification, a bad DELETE repaired by a table-level restore, a point-in-time recovery drill, "
            + "a restore drill and the integrity checks; print a summary with the measured RTO and RPO, and remove everything.");
        command.Options.Add(keep);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var demo = new Demo();
            return await demo.RunAsync(parse.GetValue(keep), cancellationToken);
        }));
        return command;
    }

    private sealed class Demo
    {
        private readonly List<(string Name, TimeSpan Duration, bool Passed, string Detail)> _steps = new();
        private readonly Stopwatch _total = Stopwatch.StartNew();

        public async Task<int> RunAsync(bool keep, CancellationToken cancellationToken)
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

                await File.WriteAllTextAsync(Path.Combine(migrations, "V1__customers_and_orders.sql"), Migration1, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "R1__customers_and_orders.sql"), Rollback1, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "V2__orders_customer_index.sql"), Migration2, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(migrations, "R2__orders_customer_index.sql"), Rollback2, cancellationToken);
                await VerbAsync("migrate", ["migrate", "--migrations", migrations]);
                await VerbAsync("status", ["status", "--migrations", migrations]);

                Banner("Loading sample rows");
                watch.Restart();
                await ExecuteAsync(
                    shop,
                    """
                    INSERT INTO customers (email) SELECT 'customer' || g || '@example.com' FROM generate_series(1, 2000) g;
                    INSERT INTO orders (customer_id, total) SELECT 1 + (g % 2000), (g % 500) + 0.99 FROM generate_series(1, 50000) g;
                    """,
                    cancellationToken);
                var ordersBefore = await CountAsync(shop, "orders", cancellationToken);
                Record("sample data", watch.Elapsed, true, $"2000 customers, {ordersBefore} orders");

                await VerbAsync("check", ["check"]);
                await VerbAsync("basebackup", ["basebackup"]);
                await VerbAsync("backup", ["backup", "--tier", "daily"]);
                await VerbAsync("verify", ["verify", "latest"]);
                await VerbAsync("backups list", ["backups", "list"]);

                Banner("Disaster 1: a bad DELETE removes a third of the orders");
                var deleted = await ExecuteAsync(shop, "DELETE FROM orders WHERE id % 3 = 0", cancellationToken);
                Console.WriteLine($"  DELETE FROM orders WHERE id % 3 = 0   -- {deleted} rows gone, {await CountAsync(shop, "orders", cancellationToken)} left");
                await VerbAsync("restore-table", ["restore-table", "latest", "--table", "public.orders", "--mode", "replace"]);
                var ordersAfter = await CountAsync(shop, "orders", cancellationToken);
                Record("orders back", TimeSpan.Zero, ordersAfter == ordersBefore, $"{ordersAfter} of {ordersBefore} orders after the table-level restore");

                Banner("Disaster 2: point-in-time recovery to the moment before a DELETE (the PITR drill)");
                var pitr = await JsonVerbAsync("pitr drill", ["pitr", "drill", "--json"]);
                var rpo = pitr is null ? null : Seconds(pitr.RootElement, "rpo");
                var pitrRto = pitr is null ? null : Seconds(pitr.RootElement, "rto");

                Banner("A timed restore drill of the latest logical backup");
                var drill = await JsonVerbAsync("drill", ["drill", "--json"]);
                var rto = drill?.RootElement.TryGetProperty("rtoSeconds", out var r) == true && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : (double?)null;

                await VerbAsync("integrity", ["integrity"]);
                await VerbAsync("pitr window", ["pitr", "window"]);

                Summary(rto, pitrRto, rpo, ordersBefore, ordersAfter);
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
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\"", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
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

        private async Task<int> VerbAsync(string name, string[] args)
        {
            Banner("$ dbresilience " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)));
            var watch = Stopwatch.StartNew();
            var exitCode = await CliApplication.RunAsync(args);
            Record(name, watch.Elapsed, exitCode == ExitCodes.Success, exitCode == ExitCodes.Success ? string.Empty : $"exit code {exitCode}");
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

        private void Summary(double? rto, double? pitrRto, double? rpo, long ordersBefore, long ordersAfter)
        {
            Console.WriteLine();
            Console.WriteLine("Summary");
            foreach (var (name, duration, passed, detail) in _steps)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(passed ? "ok  " : "FAIL")}  {name,-16} {duration.TotalSeconds,7:F2} s  {detail}"));
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  restore drill RTO        {(rto is { } a ? $"{a:F1} s" : "n/a")} (objective 3600 s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  point-in-time RTO        {(pitrRto is { } b ? $"{b:F1} s" : "n/a")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  point-in-time RPO        {(rpo is { } c ? $"{c:F1} s" : "n/a")} (archive_timeout 10 s; stream WAL for less)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  orders lost to the DELETE {ordersBefore - ordersAfter} of {ordersBefore}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  total {_total.Elapsed.TotalSeconds:F1} s: {(_steps.TrueForAll(s => s.Passed) ? "every step passed" : "a step FAILED")}"));
        }
    }
}
