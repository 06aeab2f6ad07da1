using System.Diagnostics;
using System.Globalization;
using System.Text;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Npgsql;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// 1,000 small migrations applied to an empty database: the migration runner against psql running the same SQL in one
/// session (the floor) and dbmate, and the runner again with one script per round trip (<c>BatchSize = 1</c>). <c>DBRESILIENCE_BENCH_MIGRATIONS</c> changes the count, <c>DBRESILIENCE_BENCH_RUNS</c> the runs (default 5),
/// <c>DBRESILIENCE_BENCH_FSYNC=off</c> measures the tools' own overhead on a server that does not wait for the disk,
/// <c>DBRESILIENCE_BENCH_PROFILE=1</c> prints, for the last run of each tool, its statements (pg_stat_statements), commits
/// and WAL flushes per migration. The tools run interleaved (psql, ours, dbmate, psql, ...) so that load hits each alike.
/// </summary>
internal sealed class MigrationsBenchmark : IBenchmark
{
    public string Name => "migrations";

    public string Description => "apply N small migrations to an empty database: Inknowing.DbResilience vs psql (one session, the floor) vs dbmate";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_MIGRATIONS"), CultureInfo.InvariantCulture, out var n) ? n : 1000;
        var runs = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_RUNS"), CultureInfo.InvariantCulture, out var r) ? r : 5;
        var dbmate = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "eng", "bench-tools", "node_modules", ".bin", "dbmate");
        var fsync = !string.Equals(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_FSYNC"), "off", StringComparison.OrdinalIgnoreCase);
        var profile = Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_PROFILE") == "1";
        var clusterOptions = new LocalClusterOptions { DisableFsync = !fsync };
        if (profile)
        {
            clusterOptions.Settings["shared_preload_libraries"] = "'pg_stat_statements'";
            clusterOptions.Settings["pg_stat_statements.track"] = "all";
            clusterOptions.Settings["pg_stat_statements.track_planning"] = "on";
        }

        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(clusterOptions, cancellationToken);
        if (profile)
        {
            await cluster.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", cancellationToken);
        }

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

            async Task Psql(string name) => await RunAsync(
                Path.Combine(cluster.BinDirectory, "psql"),
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.Host, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", cluster.SuperuserName, "-d", name, "-f", psqlFile],
                new() { ["PGPASSWORD"] = cluster.SuperuserPassword }, cancellationToken);

            Task Library(string name) => LibraryWith(name, new MigrationOptions().BatchSize);

            async Task LibraryWith(string name, int batchSize)
            {
                await using var host = new DbResilienceBuilder()
                    .UsePostgreSql(cluster.GetConnectionString(name))
                    .AddMigrations(m => m.FromDirectory(ours.FullName).BatchSize = batchSize)
                    .Build();
                var result = await host.GetRequiredService<IMigrationRunner>().MigrateAsync(null, cancellationToken);
                if (result.Executions.Count != count)
                {
                    throw new InvalidOperationException($"applied {result.Executions.Count} of {count}");
                }
            }

            async Task Dbmate(string name)
            {
                var url = string.Create(CultureInfo.InvariantCulture,
                    $"postgres://{cluster.SuperuserName}:{Uri.EscapeDataString(cluster.SuperuserPassword)}@{cluster.Host}:{cluster.Port}/{name}?sslmode=disable");
                await RunAsync(dbmate, ["--no-dump-schema", "--migrations-dir", theirs.FullName, "up"], new() { ["DATABASE_URL"] = url }, cancellationToken);
            }

            var tools = new List<(string Label, Func<string, Task> Run, List<TimeSpan> Times)>
            {
                ("psql, one session (floor)", Psql, []),
                ("Inknowing.DbResilience MigrateAsync", Library, []),
            };
            if (File.Exists(dbmate))
            {
                tools.Add(("dbmate up", Dbmate, []));
            }

            // One script per round trip (BatchSize = 1): what the round trips of several scripts save.
            tools.Add(("Inknowing.DbResilience BatchSize=1", name => LibraryWith(name, 1), []));

            // Interleaved (psql, ours, dbmate, psql, ours, dbmate, ...) so that a change of load hits every tool alike.
            for (var run = 1; run <= runs; run++)
            {
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  run {run}:"));
                foreach (var (label, operation, times) in tools)
                {
                    var name = await FreshAsync();
                    var before = profile ? await ServerCountersAsync(cluster, name, cancellationToken) : default;
                    var cpuBefore = profile ? CpuTicks(cluster) : default;
                    var watch = Stopwatch.StartNew();
                    await operation(name);
                    var elapsed = watch.Elapsed;
                    times.Add(elapsed);
                    if (profile && run == runs)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
                        var cpuAfter = CpuTicks(cluster);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"    {label}: wall {elapsed.TotalMilliseconds / count:F2} ms, client CPU {(cpuAfter.Client - cpuBefore.Client) * 10.0 / count:F2} ms, server CPU {(cpuAfter.Server - cpuBefore.Server) * 10.0 / count:F2} ms a migration"));
                    }
                    line.Append(string.Create(CultureInfo.InvariantCulture, $" {(label.EndsWith("=1", StringComparison.Ordinal) ? "ours-one-by-one" : label.Split(' ')[0])} {elapsed.TotalSeconds:F2} s;"));
                    if (profile && run == runs)
                    {
                        await PrintProfileAsync(cluster, name, label, count, before, cancellationToken);
                    }
                }

                Console.WriteLine(line.Append(string.Create(CultureInfo.InvariantCulture, $" load {LoadAverage()}")).ToString());
            }

            var medians = tools.Select(t => Median(t.Times)).ToArray();
            for (var i = 0; i < tools.Count; i++)
            {
                Measure.Row(tools[i].Label, medians[i], i == 0 ? null : medians[0]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {medians[i].TotalMilliseconds / count:F2} ms a migration"));
            }

            if (tools.Count > 3)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  Inknowing.DbResilience: {medians[1] / medians[0]:F2}x psql (target 1.50x or less), {medians[1] / medians[2]:F2}x dbmate (target under 1.00x)"));
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

    private static TimeSpan Median(List<TimeSpan> times)
    {
        var sorted = times.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Reads the CPU time (clock ticks) used by this process and its reaped children, and by the cluster's postmaster and its reaped children.</summary>
    private static (long Client, long Server) CpuTicks(LocalPostgreSqlCluster cluster)
    {
        static long Ticks(string stat)
        {
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }

        var postmaster = File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First().Trim();
        return (Ticks(File.ReadAllText("/proc/self/stat")), Ticks(File.ReadAllText($"/proc/{postmaster}/stat")));
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Reads the cluster-wide WAL counters and the commits of one database (statistics are flushed when backends end).</summary>
    private static async Task<(long Records, long Bytes, long Writes, long Syncs, long Commits)> ServerCountersAsync(
        LocalPostgreSqlCluster cluster, string database, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        await using var connection = new NpgsqlConnection(cluster.GetConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT w.wal_records, w.wal_bytes::bigint, w.wal_write, w.wal_sync, coalesce(d.xact_commit, 0) FROM pg_stat_wal w LEFT JOIN pg_stat_database d ON d.datname = $1",
            connection) { Parameters = { new NpgsqlParameter { Value = database } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    private static async Task PrintProfileAsync(
        LocalPostgreSqlCluster cluster, string database, string label, int count,
        (long Records, long Bytes, long Writes, long Syncs, long Commits) before, CancellationToken cancellationToken)
    {
        var after = await ServerCountersAsync(cluster, database, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    profile of {label}, per migration: {(after.Commits - before.Commits) / (double)count:F2} transactions, {(after.Syncs - before.Syncs) / (double)count:F2} WAL flushes (fsync), {(after.Writes - before.Writes) / (double)count:F2} WAL writes, {(after.Records - before.Records) / (double)count:F1} WAL records, {(after.Bytes - before.Bytes) / (double)count:F0} WAL bytes"));
        await using var connection = new NpgsqlConnection(cluster.GetConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT s.calls, s.total_exec_time + s.total_plan_time, s.wal_records, pg_catalog.left(pg_catalog.regexp_replace(s.query, '\s+', ' ', 'g'), 110), s.total_plan_time
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = $1 AND s.toplevel
            ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT 14
            """,
            connection) { Parameters = { new NpgsqlParameter { Value = database } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        double total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            total += reader.GetDouble(1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      {reader.GetInt64(0),6} calls {reader.GetDouble(1) / count,7:F3} ms/mig (plan {reader.GetDouble(4) / count,5:F3}) {reader.GetInt64(2),7} wal  {reader.GetString(3)}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      server planning and execution time of these statements: {total / count:F3} ms a migration"));
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
