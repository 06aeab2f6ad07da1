using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Clusters;

/// <summary>
/// A throwaway PostgreSQL cluster on 127.0.0.1, created with initdb and run with pg_ctl from the local binaries:
/// for restore drills, point-in-time restores, the demo and tests. Disposing it stops the server and deletes its files.
/// </summary>
/// <remarks>
/// When this process is root, the server runs as <see cref="LocalClusterOptions.OsUser"/>, which owns the cluster's directory.
/// The server listens on 127.0.0.1 only, with scram-sha-256 authentication over TCP. The class is split by job: this file
/// starts, stops, waits for and removes the server; <c>LocalPostgreSqlCluster.Setup.cs</c> creates a new cluster (port,
/// password, owned directories, initdb and its settings).
/// </remarks>
public sealed partial class LocalPostgreSqlCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly string _binDirectory;
    private bool _running;
    private bool _disposed;
    private string? _existingDataDirectory;
    private bool _deleteExistingData;
    private ScratchDirectory? _scratch;

    private LocalPostgreSqlCluster(LocalClusterOptions options, string binDirectory, string rootDirectory, int port, string password)
    {
        _options = options;
        _binDirectory = binDirectory;
        RootDirectory = rootDirectory;
        Port = port;
        SuperuserPassword = password;
    }

    /// <summary>Gets the cluster's own directory, which holds <see cref="DataDirectory"/>, the log, sockets and the WAL archive.</summary>
    public string RootDirectory { get; }

    /// <summary>Gets the data directory (PGDATA).</summary>
    public string DataDirectory => _existingDataDirectory ?? Path.Combine(RootDirectory, "data");

    /// <summary>Gets the directory that archived WAL segments are copied into when archiving is enabled.</summary>
    public string ArchiveDirectory => Path.Combine(RootDirectory, "archive");

    /// <summary>Gets the server's log file.</summary>
    public string LogFile => Path.Combine(RootDirectory, "postgres.log");

    /// <summary>Gets the host the server listens on: always <c>127.0.0.1</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Part of this cluster's address, beside Port.")]
    public string Host => "127.0.0.1";

    /// <summary>Gets the TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Gets the superuser's name.</summary>
    public string SuperuserName => _options.SuperuserName;

    /// <summary>Gets the superuser's password.</summary>
    public string SuperuserPassword { get; }

    /// <summary>Gets the directory of the server binaries in use.</summary>
    public string BinDirectory => _binDirectory;

    /// <summary>Gets the connection string of the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => GetConnectionString("postgres");

    /// <summary>Creates a new cluster with initdb and starts it.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start; whatever was created is removed.</param>
    /// <returns>The running cluster.</returns>
    /// <exception cref="ExternalToolException">initdb or pg_ctl is missing or failed; the message has its standard error.</exception>
    public static async Task<LocalPostgreSqlCluster> StartNewAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        var binDirectory = options.BinDirectory ?? Path.GetDirectoryName(ToolLocator.FindServerTool("initdb", null))!;
        var scratch = ScratchDirectory.Reserve("cluster", options.ParentDirectory, create: false);
        var password = options.SuperuserPassword ?? RandomToken(24);
        var port = options.Port != 0 ? options.Port : FindFreePort();
        var cluster = new LocalPostgreSqlCluster(options, binDirectory, scratch.Path, port, password) { _scratch = scratch };
        try
        {
            await cluster.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            if (options.ReplicationRole is { } role)
            {
                await cluster.ExecuteAsync(
                    $"CREATE ROLE {TableName.QuoteIdentifier(role)} WITH LOGIN REPLICATION PASSWORD {QuoteLiteral(password)}",
                    cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a server over an existing data directory, such as one a point-in-time restore prepared, on 127.0.0.1 and a port.
    /// The log and sockets go in a new directory of their own (<see cref="RootDirectory"/>).
    /// </summary>
    /// <param name="dataDirectory">The data directory; owned by <see cref="LocalClusterOptions.OsUser"/> when this process is root.</param>
    /// <param name="options">
    /// The options: <see cref="LocalClusterOptions.Port"/> (0 for a free one), and the superuser name and password that the
    /// data directory already knows, used for <see cref="ConnectionString"/>. Settings that only initdb applies are ignored.
    /// </param>
    /// <param name="deleteDataOnDispose"><see langword="true"/> to delete <paramref name="dataDirectory"/> too when disposed.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running cluster; disposing it stops the server.</returns>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> holds no PG_VERSION file.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExternalToolException">pg_ctl failed; the message has the end of the server log.</exception>
    public static async Task<LocalPostgreSqlCluster> StartExistingAsync(
        string dataDirectory, LocalClusterOptions options, bool deleteDataOnDispose = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        dataDirectory = Path.GetFullPath(dataDirectory);
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            throw new ArgumentException($"'{dataDirectory}' is not a PostgreSQL data directory (it has no PG_VERSION file).", nameof(dataDirectory));
        }

        var binDirectory = options.BinDirectory ?? Path.GetDirectoryName(ToolLocator.FindServerTool("pg_ctl", null))!;
        var scratch = ScratchDirectory.Reserve("cluster", options.ParentDirectory, create: false);
        var port = options.Port != 0 ? options.Port : FindFreePort();
        var cluster = new LocalPostgreSqlCluster(options, binDirectory, scratch.Path, port, options.SuperuserPassword ?? string.Empty)
        {
            _scratch = scratch,
            _existingDataDirectory = dataDirectory,
            _deleteExistingData = deleteDataOnDispose,
        };
        try
        {
            await cluster.CreateOwnedDirectoryAsync(cluster.RootDirectory, cancellationToken).ConfigureAwait(false);
            await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until the server accepts connections and has left recovery (<c>pg_is_in_recovery()</c> is false): the end of a
    /// point-in-time restore. <c>pg_ctl -w</c> returns while recovery is still replaying.
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when recovery has ended.</returns>
    /// <exception cref="ExternalToolException">The server stopped (for example, recovery ended before its target); the message has the end of its log.</exception>
    /// <exception cref="TimeoutException">Recovery did not end within <paramref name="timeout"/>.</exception>
    public async Task WaitForRecoveryEndAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync(deadline.Token).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync(deadline.Token).ConfigureAwait(false) is false)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The cluster in '{DataDirectory}' was still in recovery after {timeout}. Server log: {ReadLogTail()}");
            }
            catch (NpgsqlException) when (File.Exists(pidFile))
            {
                // Still starting or replaying: try again.
            }
            catch (NpgsqlException ex)
            {
                _running = false;
                throw new ExternalToolException($"The cluster in '{DataDirectory}' stopped during recovery. Server log: {ReadLogTail()}", ex);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The cluster in '{DataDirectory}' was still in recovery after {timeout}. Server log: {ReadLogTail()}");
            }
        }
    }

    /// <summary>Reads the server's log (the last 64 KiB at most).</summary>
    /// <returns>The log text, or an empty string when there is none yet.</returns>
    public string ReadLog()
    {
        try
        {
            if (!File.Exists(LogFile))
            {
                return string.Empty;
            }

            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Max(0, stream.Length - (64 * 1024)), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Gets the connection string of a database on this cluster as the superuser.</summary>
    /// <param name="database">The database name.</param>
    /// <returns>The connection string.</returns>
    public string GetConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperuserName,
            Password = SuperuserPassword,
            Database = database,
            Pooling = false,
        };
        return builder.ConnectionString;
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server is up.</returns>
    /// <exception cref="ExternalToolException">pg_ctl failed; the message has the end of the server log.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = NewServerTool("pg_ctl");
        start.Arguments.AddRange(
        [
            "start", "-w", "-D", DataDirectory, "-l", LogFile,
            "-t", ((int)_options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        ]);
        if (_existingDataDirectory is not null)
        {
            // A data directory made elsewhere (a restored base backup): its own settings may name another port or socket directory.
            start.Arguments.AddRange(["-o", string.Create(CultureInfo.InvariantCulture, $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={RootDirectory}")]);
        }

        try
        {
            await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalToolException ex)
        {
            throw new ExternalToolException(
                $"The local PostgreSQL cluster in '{RootDirectory}' did not start: {ex.Message}{Environment.NewLine}Server log: {ReadLogTail()}", ex);
        }

        _running = true;
    }

    /// <summary>Stops the server (fast shutdown), if it runs.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    /// <exception cref="ExternalToolException">pg_ctl failed.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_running)
        {
            return;
        }

        var stop = NewServerTool("pg_ctl");
        stop.Arguments.AddRange(
        [
            "stop", "-w", "-m", "fast", "-D", DataDirectory,
            "-t", ((int)_options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        ]);
        await ToolProcess.RunAsync(stop, cancellationToken).ConfigureAwait(false);
        _running = false;
    }

    /// <summary>
    /// Makes the running server the owner of the cluster's directory (its log and sockets), for a cluster left running when this
    /// process ends, as <c>pitr restore --start</c> leaves the restored one: other runs leave the directory alone while the server
    /// runs and remove it once it has stopped. Disposing still stops the server and removes the directory.
    /// </summary>
    internal void HandOverToServer()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (_scratch is not null && File.Exists(pidFile)
            && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            _scratch.HandOverTo(pid);
        }
    }

    /// <summary>Runs one SQL command on the <c>postgres</c> database as the superuser.</summary>
    /// <param name="sql">The command.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>A task that completes with the command.</returns>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server and deletes the cluster's directory.</summary>
    /// <returns>A task that completes when the cluster is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (ExternalToolException)
        {
            await KillServerAsync().ConfigureAwait(false);
        }

        try
        {
            if (Directory.Exists(RootDirectory))
            {
                Directory.Delete(RootDirectory, recursive: true);
            }

            if (_deleteExistingData && _existingDataDirectory is not null && Directory.Exists(_existingDataDirectory))
            {
                Directory.Delete(_existingDataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a file still held open is removed with the temporary directory later.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort, as above.
        }

        // Last, its owner record: what could not be removed above is removed by the next run.
        _scratch?.Dispose();
    }

    private ToolStartInfo NewServerTool(string name)
    {
        var start = new ToolStartInfo(Path.Combine(_binDirectory, name)) { RunAsUser = _options.OsUser };
        start.Secrets.Add(SuperuserPassword);
        return start;
    }

    private async Task KillServerAsync()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        try
        {
            if (File.Exists(pidFile)
                && int.TryParse((await File.ReadAllLinesAsync(pidFile).ConfigureAwait(false)).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
        }
        catch (ArgumentException)
        {
            // The server is already gone.
        }
        catch (IOException)
        {
            // The pid file vanished while reading it: the server is gone.
        }
    }

    private string ReadLogTail()
    {
        try
        {
            var text = File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";
            return text.Length > 4000 ? text[^4000..] : text;
        }
        catch (IOException)
        {
            return "(the log could not be read)";
        }
    }
}
