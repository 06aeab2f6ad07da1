using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// What the physical-backup scenarios share: a cluster of their own that streams WAL, a writer that commits batches until
/// stopped (across a server restart), the checks of the archive the CLI's <c>wal-receive</c> fills (every segment from the
/// base backup's start to the last completed one stored under its final name, whole), a point-in-time restore to latest
/// through the CLI with what it holds, and <c>pg_ctl</c> run as the server's OS user.
/// </summary>
internal static partial class WalStreaming
{
    /// <summary>The table the writer fills.</summary>
    public const string Table = "streamed";

    /// <summary>The digest of the writer's table: every row, in order.</summary>
    public const string Digest = $"SELECT count(*) || ' rows ' || coalesce(md5(string_agg(s::text, ',' ORDER BY batch, id)), '') FROM {Table} s";

    /// <summary>The size of a WAL segment.</summary>
    public const long SegmentSize = 16 * 1024 * 1024;

    /// <summary>Starts a local cluster of its own, with a replication role, fsync off, and the writer's table.</summary>
    public static async Task<LocalPostgreSqlCluster> StartClusterAsync()
    {
        var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true, ReplicationRole = "replicator" });
        await cluster.ExecuteAsync($"CREATE TABLE {Table} (batch int, id int, payload text, PRIMARY KEY (batch, id))");
        return cluster;
    }

    /// <summary>Runs the CLI's <c>basebackup --json</c> and returns the WAL segment it starts at.</summary>
    public static async Task<string> BaseBackupAsync(string connectionString, string storage, string temporary)
    {
        var (exitCode, output, error) = await ReliabilityCli.RunAsync(connectionString, storage, temporary, "basebackup", "--json");
        exitCode.Should().Be(0, output + error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("startSegment").GetString()!;
    }

    /// <summary>Starts the CLI's <c>wal-receive</c> on slot <paramref name="slot"/> and waits (up to a minute) until it streams.</summary>
    public static async Task<ReliabilityCli> StartReceiverAsync(string connectionString, string storage, string temporary, string slot)
    {
        var receiver = ReliabilityCli.Start(connectionString, storage, temporary, "wal-receive", "--slot", slot);
        var streaming = await receiver.WaitUntilAsync(
            () => ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'dbresilience_receiver' AND state = 'streaming'")
                .GetAwaiter().GetResult() > 0,
            TimeSpan.FromMinutes(1));
        if (!streaming)
        {
            receiver.Signal("KILL");
            var (exitCode, output, error) = await receiver.WaitAsync();
            receiver.Dispose();
            Assert.Fail($"wal-receive did not start streaming within a minute (exit {exitCode}): {output}{error}");
        }

        return receiver;
    }

    /// <summary>
    /// Switches to a new WAL segment and waits (up to two minutes) until <c>wal-receive</c> has stored the one switched from under
    /// its final name; returns that segment's name.
    /// </summary>
    public static async Task<string> SwitchAndWaitForStoredAsync(string connectionString, string storage)
    {
        var switched = await ScalarAsync<string>(connectionString, "SELECT pg_walfile_name(pg_switch_wal())");
        for (var waited = Stopwatch.StartNew(); !SegmentFiles(storage).ContainsKey(switched); await Task.Delay(100))
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(2), $"wal-receive stores {switched} once the server has switched past it");
        }

        return switched;
    }

    /// <summary>Lists the files stored under a segment's final name (no <c>.partial</c>, no checksum record), by name.</summary>
    public static Dictionary<string, string> SegmentFiles(string storage) =>
        Directory.Exists(storage)
            ? Directory.EnumerateFiles(storage, "*", SearchOption.AllDirectories).Where(f => SegmentName().IsMatch(Path.GetFileName(f))).ToDictionary(f => Path.GetFileName(f), f => f)
            : [];

    /// <summary>Returns a problem for each file under a segment's final name that is not a whole segment's size.</summary>
    public static List<string> PartialSegments(string storage) =>
        SegmentFiles(storage).Where(s => new FileInfo(s.Value).Length != SegmentSize)
            .Select(s => $"{s.Key} is stored under its final name with {new FileInfo(s.Value).Length} bytes, not a whole segment")
            .ToList();

    /// <summary>
    /// Streams a base backup and 120,000 committed rows into <paramref name="storage"/> with <c>wal-receive</c> (its WAL up to a
    /// completed segment); returns the rows' digest.
    /// </summary>
    public static async Task<string> ArchiveRowsAsync(LocalPostgreSqlCluster cluster, string storage, string temporary)
    {
        using var receiver = await StartReceiverAsync(cluster.ConnectionString, storage, temporary, "restore_slot");
        await BaseBackupAsync(cluster.ConnectionString, storage, temporary);
        await cluster.ExecuteAsync($"INSERT INTO {Table} SELECT b, g, repeat(md5(g::text), 2) FROM generate_series(1, 3) b, generate_series(1, 40000) g");
        await SwitchAndWaitForStoredAsync(cluster.ConnectionString, storage);
        receiver.Signal("TERM");
        var (exitCode, output, error) = await receiver.WaitAsync();
        exitCode.Should().BeOneOf([0, 130], output + error);
        return await ScalarAsync<string>(cluster.ConnectionString, Digest);
    }

    /// <summary>
    /// Returns a problem for each segment from <paramref name="first"/> to <paramref name="last"/> (one timeline) that is not
    /// stored under its final name, and for each file under a segment's final name that is not a whole segment.
    /// </summary>
    public static List<string> ArchiveProblems(string storage, string first, string last)
    {
        var stored = SegmentFiles(storage);
        var problems = PartialSegments(storage);
        var timeline = first[..8];
        for (var number = SegmentNumber(first); number <= SegmentNumber(last); number++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{timeline}{number >> 8:X8}{number & 0xFF:X8}");
            if (!stored.ContainsKey(name))
            {
                problems.Add($"{name} is missing from the archive (a gap between {first} and {last})");
            }
        }

        return problems;
    }

    /// <summary>
    /// Returns a problem for each file stored under a segment's final name (not yet in <paramref name="compared"/>) whose bytes
    /// differ from the server's own copy of that segment in pg_wal, when the server still has it; adds the compared names.
    /// </summary>
    public static async Task<List<string>> SegmentsDifferingFromServerAsync(string connectionString, string storage, HashSet<string> compared)
    {
        var problems = new List<string>();
        foreach (var (name, path) in SegmentFiles(storage).Where(s => !compared.Contains(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            byte[] server;
            try
            {
                server = await ScalarAsync<byte[]>(connectionString, $"SELECT pg_read_binary_file('pg_wal/{name}')");
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedFile)
            {
                // Recycled by the server since: pitr window checks its structure and checksum instead.
                continue;
            }

            compared.Add(name);
            if (!(await File.ReadAllBytesAsync(path)).AsSpan().SequenceEqual(server))
            {
                problems.Add($"{name} is stored under its final name but its bytes differ from the server's segment");
            }
        }

        return problems;
    }

    /// <summary>
    /// Restores to latest with the CLI (<c>pitr restore --latest --start</c>) into <paramref name="target"/>, reads the writer's
    /// table's digest from the restored server, and stops it.
    /// </summary>
    public static async Task<string> RestoreLatestDigestAsync(LocalPostgreSqlCluster source, string storage, string temporary, string target)
    {
        var (exitCode, output, error) = await ReliabilityCli.RunAsync(source.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target, "--json");
        exitCode.Should().Be(0, output + error);
        return await DigestOfRestoredAsync(source, output, target);
    }

    /// <summary>Reads the writer's table's digest from a server <c>pitr restore --start --json</c> left running, then stops it.</summary>
    public static async Task<string> DigestOfRestoredAsync(LocalPostgreSqlCluster source, string json, string target)
    {
        using var document = JsonDocument.Parse(json);
        var port = document.RootElement.GetProperty("port").GetInt32();
        try
        {
            var restored = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Host = "127.0.0.1", Port = port, Pooling = false }.ConnectionString;
            return await ScalarAsync<string>(restored, Digest);
        }
        finally
        {
            await PgCtlAsync(source.BinDirectory, "stop", "-w", "-m", "fast", "-D", target);
        }
    }

    /// <summary>Runs <c>pg_ctl</c> (as the server's OS user when this process is root); it must succeed.</summary>
    public static async Task PgCtlAsync(string binDirectory, params string[] arguments)
    {
        var pgCtl = Path.Combine(binDirectory, "pg_ctl");
        var info = Environment.UserName == "root" ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", pgCtl } } : new ProcessStartInfo(pgCtl);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await error);
    }

    /// <summary>Lists the ids of the running processes given <paramref name="dataDirectory"/> with <c>-D</c> (pg_ctl, postgres).</summary>
    public static List<int> ServersOf(string dataDirectory)
    {
        var argument = "-D " + dataDirectory + " ";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Contains(argument, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Ended meanwhile.
            }
        }

        return found;
    }

    /// <summary>Runs one query and returns its single value.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static long SegmentNumber(string name) =>
        (long.Parse(name.AsSpan(8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture) << 8) + long.Parse(name.AsSpan(16, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex("^[0-9A-F]{24}$")]
    private static partial Regex SegmentName();

    /// <summary>
    /// Commits batches of rows (one transaction each, about 130 KB of WAL) until disposed. A batch whose commit fails (the
    /// server going down) is tried again on a new connection once the server is back; the source's table is the truth of what
    /// committed.
    /// </summary>
    public sealed class Writer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _running;
        private int _committed;

        public Writer(string connectionString) => _running = Task.Run(() => WriteAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString));

        /// <summary>Gets the number of batches whose commit returned.</summary>
        public int Committed => Volatile.Read(ref _committed);

        /// <summary>Stops writing once the batch under way has committed; may be called again.</summary>
        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _running;
        }

        private async Task WriteAsync(string connectionString)
        {
            var batch = 0;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync();
                    while (!_stop.IsCancellationRequested)
                    {
                        await using var command = new NpgsqlCommand(
                            $"INSERT INTO {Table} SELECT {batch + 1}, g, repeat(md5(g::text), 2) FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING", connection);
                        await command.ExecuteNonQueryAsync();
                        batch++;
                        Interlocked.Increment(ref _committed);
                        await Task.Delay(15);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
                {
                    // The server is going down or starting: try again on a new connection.
                    await Task.Delay(100);
                }
            }
        }
    }
}
