using System.Diagnostics;
using System.Globalization;
using System.Text;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// 1,000 small migrations applied to an empty database: the migration runner against psql running the same SQL in one
/// session (the floor) and dbmate. <c>DBRESILIENCE_BENCH_MIGRATIONS</c> changes the count, <c>DBRESILIENCE_BENCH_RUNS</c> the runs,
/// <c>DBRESILIENCE_BENCH_FSYNC=off</c> measures the tools' own overhead on a server that does not wait for the disk.
/// </summary>
internal sealed class MigrationsBenchmark : IBenchmark
{
    public string Name => "migrations";

    public string Description => "apply N small migrations to an empty database: Inknowing.DbResilience vs psql (one session, the floor) vs dbmate";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_MIGRATIONS"), CultureInfo.InvariantCulture, out var n) ? n : 1000;
        var runs = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_RUNS"), CultureInfo.InvariantCulture, out var r) ? r : 3;
        var dbmate = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "eng", "bench-tools", "node_modules", ".bin", "dbmate");
        var fsync = !string.Equals(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_FSYNC"), "off", StringComparison.OrdinalIgnoreCase);
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = !fsync }, cancellationToken);
        var work = Directory.CreateTempSubdirectory("dbr-bench-migrations-");
        try
        {
            var ours = Directory.CreateDirectory(Path.Combine(work.FullName, "ours"));
            var theirs = Directory.CreateDirectory(Path.Combine(work.FullName, "dbmate"));
            var all = new StringBuilder();
            for (var i = 1; i <= count; i++)
            {
                var sql = string.Create(CultureInfo.InvariantCulture, $"CREATE TABLE t{i} (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x');\n");
                await File.WriteAllTextAsync(Path.Combine(ours.FullName, string.Create(CultureInfo.InvariantCulture, $"V{i}__table_{i}.sql")), sql, cancellationToken);
                await File.WriteAllTextAsync(
                    Path.Combine(theirs.FullName, string.Create(CultureInfo.InvariantCulture, $"{i:D6}_table_{i}.sql")),
                    "-- migrate:up\n" + sql + string.Create(CultureInfo.InvariantCulture, $"-- migrate:down\nDROP TABLE t{i};\n"),
                    cancellationToken);
                all.Append(sql);
            }

            var psqlFile = Path.Combine(work.FullName, "all.sql");
            await File.WriteAllTextAsync(psqlFile, all.ToString(), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {count} migrations of one CREATE TABLE each, median of {runs} runs, PostgreSQL at 127.0.0.1:{cluster.Port} (fsync {(fsync ? "on" : "off")}), a new database per run"));

            var database = 0;
            async Task<string> FreshAsync()
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"bench_{++database}");
                await cluster.ExecuteAsync($"CREATE DATABASE {name}", cancellationToken);
                return name;
            }

            var psql = await Measure.MedianAsync(runs, async () =>
            {
                var name = await FreshAsync();
                await RunAsync(Path.Combine(cluster.BinDirectory, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.Host, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", cluster.SuperuserName, "-d", name, "-f", psqlFile],
                    new() { ["PGPASSWORD"] = cluster.SuperuserPassword }, cancellationToken);
            });

            var library = await Measure.MedianAsync(runs, async () =>
            {
                var name = await FreshAsync();
                await using var host = new DbResilienceBuilder()
                    .UsePostgreSql(cluster.GetConnectionString(name))
                    .AddMigrations(m => m.FromDirectory(ours.FullName))
                    .Build();
                var result = await host.GetRequiredService<IMigrationRunner>().MigrateAsync(null, cancellationToken);
                if (result.Executions.Count != count)
                {
                    throw new InvalidOperationException($"applied {result.Executions.Count} of {count}");
                }
            });

            TimeSpan? peer = null;
            if (File.Exists(dbmate))
            {
                peer = await Measure.MedianAsync(runs, async () =>
                {
                    var name = await FreshAsync();
                    var url = string.Create(CultureInfo.InvariantCulture,
                        $"postgres://{cluster.SuperuserName}:{Uri.EscapeDataString(cluster.SuperuserPassword)}@{cluster.Host}:{cluster.Port}/{name}?sslmode=disable");
                    await RunAsync(dbmate, ["--no-dump-schema", "--migrations-dir", theirs.FullName, "up"], new() { ["DATABASE_URL"] = url }, cancellationToken);
                });
            }

            Measure.Row("psql, one session (floor)", psql);
            Measure.Row("Inknowing.DbResilience MigrateAsync", library, psql);
            if (peer is { } p)
            {
                Measure.Row("dbmate up", p, psql);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Inknowing.DbResilience is {p / library:F2}x faster than dbmate"));
            }
            else
            {
                Console.WriteLine("  dbmate not found: run eng/install-bench-tools.sh");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task RunAsync(string fileName, string[] arguments, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} exited with {process.ExitCode}: {await error}");
        }
    }
}
