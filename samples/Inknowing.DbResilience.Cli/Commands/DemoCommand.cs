using System.CommandLine;
using System.Diagnostics;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience demo</c>: the whole story on a throwaway local PostgreSQL cluster, with no configuration.
/// Each step runs a real <c>dbresilience</c> verb against the cluster, as an operator would.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the throwaway cluster running at the end (its connection string is printed)." };
        var command = new Command("demo", "Start a throwaway PostgreSQL cluster on 127.0.0.1, run the tool's verbs against it, print a summary, and remove it.");
        command.Options.Add(keep);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var total = Stopwatch.StartNew();
            var steps = new List<(string Name, TimeSpan Duration, bool Passed)>();

            Step("Starting a throwaway PostgreSQL cluster on 127.0.0.1");
            var watch = Stopwatch.StartNew();
            var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true }, cancellationToken);
            try
            {
                steps.Add(("start cluster", watch.Elapsed, true));
                Console.WriteLine($"  PostgreSQL from {cluster.BinDirectory}, port {cluster.Port}, data in {cluster.DataDirectory}");

                Step("Creating the 'shop' database with sample rows");
                watch.Restart();
                await cluster.ExecuteAsync("CREATE DATABASE shop", cancellationToken);
                var shop = cluster.GetConnectionString("shop");
                var rows = await CreateSampleDataAsync(shop, cancellationToken);
                steps.Add(("sample data", watch.Elapsed, true));
                Console.WriteLine($"  {rows} rows in customers and orders");

                Step("$ dbresilience check");
                watch.Restart();
                var exitCode = await RunVerbAsync(shop, ["check"]);
                steps.Add(("check", watch.Elapsed, exitCode == ExitCodes.Success));

                Summary(steps, total.Elapsed);
                if (parse.GetValue(keep))
                {
                    Console.WriteLine();
                    Console.WriteLine($"The cluster keeps running (--keep): DBRESILIENCE_CONNECTION='{shop}'");
                    Console.WriteLine($"Stop it with: pg_ctl stop -D {cluster.DataDirectory}");
                    cluster = null;
                }

                return steps.TrueForAll(s => s.Passed) ? ExitCodes.Success : ExitCodes.Failure;
            }
            finally
            {
                if (cluster is not null)
                {
                    Step("Stopping and removing the throwaway cluster");
                    await cluster.DisposeAsync();
                }
            }
        }));
        return command;
    }

    private static async Task<long> CreateSampleDataAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total numeric(12,2) NOT NULL);
            INSERT INTO customers (email) SELECT 'customer' || g || '@example.com' FROM generate_series(1, 1000) g;
            INSERT INTO orders (customer_id, total) SELECT 1 + (g % 1000), (g % 500) + 0.99 FROM generate_series(1, 10000) g;
            SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders);
            """,
            connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<int> RunVerbAsync(string connectionString, string[] args)
    {
        // The connection string goes through the environment, as an operator's script would pass it: never as an argument.
        var previous = Environment.GetEnvironmentVariable(GlobalOptions.ConnectionVariable);
        Environment.SetEnvironmentVariable(GlobalOptions.ConnectionVariable, connectionString);
        try
        {
            return await CliApplication.RunAsync(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GlobalOptions.ConnectionVariable, previous);
        }
    }

    private static void Step(string text)
    {
        Console.WriteLine();
        Console.WriteLine("==> " + text);
    }

    private static void Summary(List<(string Name, TimeSpan Duration, bool Passed)> steps, TimeSpan total)
    {
        Console.WriteLine();
        Console.WriteLine("Summary");
        foreach (var (name, duration, passed) in steps)
        {
            Console.WriteLine($"  {(passed ? "ok  " : "FAIL")}  {name,-16} {duration.TotalSeconds,6:F2} s");
        }

        Console.WriteLine($"  total {total.TotalSeconds:F1} s: {(steps.TrueForAll(s => s.Passed) ? "every step passed" : "a step FAILED")}");
    }
}
