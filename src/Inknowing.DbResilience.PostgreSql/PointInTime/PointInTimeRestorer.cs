using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Restores a base backup and replays archived WAL to a point: latest, immediate, a time, an LSN, a transaction id or a named
/// restore point. Also computes the recoverable window and verifies the WAL chain.
/// </summary>
/// <remarks>
/// The WAL that recovery needs is downloaded (checked against its SHA-256) into a staging directory beside the data directory
/// before the server starts, and <c>restore_command</c> copies from there. So the server, which runs as the <c>postgres</c>
/// OS user, needs neither this library, its configuration nor storage credentials.
/// </remarks>
public sealed partial class PointInTimeRestorer
{
    private readonly BaseBackupService _baseBackups;
    private readonly WalArchive _archive;
    private readonly PostgreSqlOptions _postgreSql;
    private readonly PointInTimeOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PointInTimeRestorer"/> class.</summary>
    /// <param name="baseBackups">The base backups.</param>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="postgreSql">The database's options: the superuser name and password a started restore connects with.</param>
    /// <param name="options">The point-in-time options.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public PointInTimeRestorer(
        BaseBackupService baseBackups,
        WalArchive archive,
        IOptions<PostgreSqlOptions> postgreSql,
        IOptions<PointInTimeOptions> options,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PointInTimeRestorer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(baseBackups);
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(postgreSql);
        ArgumentNullException.ThrowIfNull(options);
        _baseBackups = baseBackups;
        _archive = archive;
        _postgreSql = postgreSql.Value;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Computes the recoverable window from the stored base backups and WAL, and lists the WAL chain's problems.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The window and problems.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<RecoverableWindow> GetWindowAsync(CancellationToken cancellationToken = default)
        => (await AnalyzeAsync(cancellationToken).ConfigureAwait(false)).Window;

    /// <summary>
    /// Restores into a new data directory: picks the base backup, checks the target lies in the recoverable window before
    /// writing anything, unpacks the backup (checking its SHA-256), stages the WAL, writes the recovery settings, and when
    /// asked starts the cluster, waits for recovery to end and checks where it stopped.
    /// </summary>
    /// <param name="request">What to restore and where.</param>
    /// <param name="cancellationToken">Cancels the restore; a partly written directory is removed.</param>
    /// <returns>What was restored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="DbResilienceConfigurationException">The target directory exists and is not empty.</exception>
    /// <exception cref="PointInTimeException">No usable base backup, the target is outside the window, the backup is corrupt, or recovery did not reach the target.</exception>
    /// <exception cref="ExternalToolException">The decompressor or the server failed.</exception>
    public async Task<PointInTimeRestoreResult> RestoreAsync(PointInTimeRestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stopwatch = Stopwatch.StartNew();
        var target = Path.GetFullPath(request.TargetDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new DbResilienceConfigurationException(
                $"The target directory '{target}' is not empty. Restore into a new or empty directory; nothing was written.");
        }

        var chain = await AnalyzeAsync(cancellationToken).ConfigureAwait(false);
        var backup = ChooseBaseBackup(chain, request);
        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + "-wal";
        Log.RestoreStarted(_logger, backup.Id, target, request.Target.ToString());

        var createdTarget = !Directory.Exists(target);
        try
        {
            Directory.CreateDirectory(target);
            Directory.CreateDirectory(staging);
            await UnpackAsync(backup, target, cancellationToken).ConfigureAwait(false);
            var staged = await StageWalAsync(chain.Ends[backup.Id], request.Target, staging, cancellationToken).ConfigureAwait(false);
            var port = request.Port != 0 ? request.Port : 0;
            await WriteRecoverySettingsAsync(target, staging, request, port, cancellationToken).ConfigureAwait(false);
            await GiveToServerUserAsync(target, staging, cancellationToken).ConfigureAwait(false);

            var result = new PointInTimeRestoreResult
            {
                TargetDirectory = target,
                WalStagingDirectory = staging,
                Target = request.Target,
                BaseBackup = backup,
                Window = chain.Window,
                WalFilesStaged = staged,
                Port = port,
            };
            if (!request.Start)
            {
                return result with { Duration = stopwatch.Elapsed };
            }

            var cluster = await StartAndWaitAsync(target, request.Port, cancellationToken).ConfigureAwait(false);
            var stop = FindRecoveryStop(cluster.ReadLog());
            Log.RecoveryEnded(_logger, stop ?? "end of archived WAL");
            TryDelete(staging);
            return result with { Cluster = cluster, Port = cluster.Port, RecoveryStop = stop, Duration = stopwatch.Elapsed };
        }
        catch
        {
            if (createdTarget)
            {
                TryDelete(target);
            }
            else
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(target))
                {
                    TryDelete(entry);
                }
            }

            TryDelete(staging);
            throw;
        }
    }

    internal async Task<WalChain> AnalyzeAsync(CancellationToken cancellationToken)
    {
        var backups = await _baseBackups.ListAsync(cancellationToken).ConfigureAwait(false);
        var files = new List<(WalFileName File, StorageObjectInfo Info)>();
        await foreach (var entry in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(entry);
        }

        var histories = new Dictionary<uint, (uint Parent, ulong SwitchLsn)>();
        foreach (var (file, _) in files.Where(f => f.File.Kind == WalFileKind.History))
        {
            var stream = await _archive.Storages.Providers[0].OpenReadAsync(file.Key, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                if (WalChain.ParseHistory(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)) is { } history)
                {
                    histories[file.Timeline] = history;
                }
            }
        }

        return WalChain.Analyze(backups, files, histories);
    }

    /// <summary>Picks the base backup for a target, refusing targets outside the window before anything is written.</summary>
    internal static BaseBackupManifest ChooseBaseBackup(WalChain chain, PointInTimeRestoreRequest request)
    {
        var window = chain.Window;
        var restorable = window.BaseBackups.Where(b => chain.Ends.ContainsKey(b.Id)).ToList();
        if (restorable.Count == 0)
        {
            var why = window.Problems.Count > 0 ? " " + string.Join(" ", window.Problems.Select(p => p.Message)) : string.Empty;
            throw new PointInTimeException(
                $"No base backup can be restored: {window.BaseBackups.Count} base backup(s) and {window.WalFiles} WAL file(s) are stored.{why} "
                + "Take a base backup (dbresilience basebackup) with WAL archiving on.");
        }

        if (request.BaseBackupId is { } id)
        {
            return restorable.FirstOrDefault(b => string.Equals(b.Id, id, StringComparison.Ordinal))
                ?? throw new PointInTimeException(
                    $"The base backup '{id}' is not among the restorable ones ({string.Join(", ", restorable.Select(b => b.Id))}).");
        }

        var target = request.Target;
        switch (target.Kind)
        {
            case RecoveryTargetKind.Time:
                var time = target.Time!.Value;
                if (time < window.Earliest || time > window.Latest)
                {
                    throw OutsideWindow(target, window);
                }

                var before = restorable.Where(b => b.StopTime <= time && chain.Ends[b.Id].LastModified >= time).ToList();
                return before.Count > 0 ? before[^1] : throw OutsideWindow(target, window);

            case RecoveryTargetKind.Lsn:
                var lsn = (ulong)target.Lsn!.Value;
                var candidates = restorable.Where(b => (ulong)NpgsqlLogSequenceNumber.Parse(b.StopLsn) <= lsn && (ulong)chain.Ends[b.Id].Lsn >= lsn).ToList();
                return candidates.Count > 0 ? candidates[^1] : throw OutsideWindow(target, window);

            case RecoveryTargetKind.TransactionId:
            case RecoveryTargetKind.RestorePoint:
                return restorable[0];

            default:
                return restorable[^1];
        }
    }

    private static PointInTimeException OutsideWindow(RecoveryTarget target, RecoverableWindow window)
        => new($"The target {target} is outside the recoverable window {window.Describe()}. Nothing was written. "
            + "Choose a target inside the window, or --latest.");

    /// <summary>Finds the server's own words on where recovery stopped.</summary>
    internal static string? FindRecoveryStop(string log)
    {
        var matches = RecoveryStopPattern().Matches(log).Select(m => m.Groups["what"].Value.Trim()).ToList();
        return matches.LastOrDefault(m => m.StartsWith("recovery stop", StringComparison.Ordinal)) ?? matches.LastOrDefault();
    }

    private async Task UnpackAsync(BaseBackupManifest backup, string target, CancellationToken cancellationToken)
    {
        var tool = backup.Compression == BaseBackupCompression.Zstd ? "zstd" : "lz4";
        string executable;
        try
        {
            executable = ToolLocator.FindSystemExecutable(tool);
        }
        catch (ExternalToolException ex)
        {
            throw new ExternalToolException($"Restoring base backup {backup.Id} needs the '{tool}' command: apt-get install {tool}.", ex);
        }

        var decompress = new ToolStartInfo(executable) { RedirectStandardInput = true };
        decompress.Arguments.AddRange(["-d", "-c"]);
        Stream source = null!;
        foreach (var storage in _archive.Storages.Providers)
        {
            try
            {
                source = await storage.OpenReadAsync(backup.DataKey, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (StorageObjectNotFoundException) when (storage != _archive.Storages.Providers[^1])
            {
                // Try the next copy.
            }
        }

        await using (source.ConfigureAwait(false))
        {
            var process = ToolProcess.Start(decompress);
            await using (process.ConfigureAwait(false))
            {
                var feed = FeedAsync(source, process.StandardInput, cancellationToken);
                try
                {
                    await TarFile.ExtractToDirectoryAsync(process.StandardOutput, target, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
                    await process.StandardOutput.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    process.Kill();
                    throw new PointInTimeException($"Base backup {backup.Id} ('{backup.DataKey}') is not a valid {tool}-compressed tar: {ex.Message}", ex);
                }

                var (size, sha256) = await feed.ConfigureAwait(false);
                await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                if (!string.Equals(sha256, backup.Sha256, StringComparison.OrdinalIgnoreCase) || size != backup.Size)
                {
                    throw new PointInTimeException(
                        $"Base backup {backup.Id} is corrupt: '{backup.DataKey}' has {size} bytes and SHA-256 {sha256}, "
                        + $"its manifest records {backup.Size} bytes and {backup.Sha256}. The restored directory was removed.");
                }
            }
        }
    }

    private static async Task<(long Size, string Sha256)> FeedAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 17];
        long size = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                size += read;
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await destination.DisposeAsync().ConfigureAwait(false);
        }

        return (size, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
    }

    private async Task<int> StageWalAsync(WalChain.ChainEnd end, RecoveryTarget target, string staging, CancellationToken cancellationToken)
    {
        var files = end.Files.AsEnumerable();
        if (target.Kind == RecoveryTargetKind.Lsn)
        {
            var lsn = (ulong)target.Lsn!.Value;
            files = files.Where(f => (ulong)f.Segment!.Value.StartLsn <= lsn);
        }

        var histories = new List<WalFileName>();
        await foreach (var (file, _) in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (file.Kind == WalFileKind.History)
            {
                histories.Add(file);
            }
        }

        var all = files.Concat(histories).ToList();
        await Parallel.ForEachAsync(
            all,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.FetchParallelism), CancellationToken = cancellationToken },
            async (file, token) =>
            {
                // A partial segment is staged under the segment's own name: recovery replays what it holds.
                var name = file.Kind == WalFileKind.Partial ? file.Segment!.Value.ToString() : file.Name;
                if (!await _archive.FetchAsync(name, Path.Combine(staging, name), token).ConfigureAwait(false))
                {
                    throw new PointInTimeException($"The WAL file {file.Name} vanished from storage while the restore staged it.");
                }
            }).ConfigureAwait(false);
        Log.WalStaged(_logger, all.Count, staging);
        return all.Count;
    }

    private static async Task WriteRecoverySettingsAsync(string target, string staging, PointInTimeRestoreRequest request, int port, CancellationToken cancellationToken)
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("restore_command", $"cp '{staging}/%f' '%p'"),
        };
        settings.AddRange(request.Target.GetSettings());
        settings.Add(new("recovery_target_action", "promote"));
        settings.Add(new("recovery_target_timeline", "latest"));
        settings.Add(new("archive_mode", "off"));
        settings.Add(new("synchronous_standby_names", string.Empty));
        settings.Add(new("listen_addresses", "127.0.0.1"));
        settings.Add(new("unix_socket_directories", string.Empty));
        if (port != 0)
        {
            settings.Add(new("port", port.ToString(CultureInfo.InvariantCulture)));
        }

        settings.AddRange(request.Settings);
        var text = new StringBuilder().AppendLine().AppendLine("# Point-in-time restore written by Inknowing.DbResilience");
        foreach (var (name, value) in settings)
        {
            text.Append(name).Append(" = '").Append(value.Replace("'", "''", StringComparison.Ordinal)).AppendLine("'");
        }

        await File.AppendAllTextAsync(Path.Combine(target, "postgresql.auto.conf"), text.ToString(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(target, "recovery.signal"), string.Empty, cancellationToken).ConfigureAwait(false);
        foreach (var stale in new[] { "postmaster.pid", "standby.signal", "backup_manifest" })
        {
            File.Delete(Path.Combine(target, stale));
        }
    }

    private static async Task GiveToServerUserAsync(string target, string staging, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!ToolLocator.IsRoot)
        {
            return;
        }

        var chown = new ToolStartInfo(ToolLocator.FindSystemExecutable("chown"));
        chown.Arguments.AddRange(["-R", "postgres:postgres", target, staging]);
        await ToolProcess.RunAsync(chown, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LocalPostgreSqlCluster> StartAndWaitAsync(string target, int port, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(_postgreSql.ConnectionString);
        var cluster = await LocalPostgreSqlCluster.StartExistingAsync(
            target,
            new LocalClusterOptions
            {
                Port = port,
                SuperuserName = connection.Username ?? "postgres",
                SuperuserPassword = connection.Password,
                BinDirectory = _postgreSql.ToolsDirectory,
            },
            deleteDataOnDispose: false,
            cancellationToken).ConfigureAwait(false);
        try
        {
            await cluster.WaitForRecoveryEndAsync(_options.RecoveryTimeout, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch (ExternalToolException ex)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            var log = ex.Message;
            throw new PointInTimeException(
                log.Contains("recovery ended before configured recovery target was reached", StringComparison.Ordinal)
                    ? "Recovery ended before the target was reached: the archived WAL holds no transaction at or after the target. "
                      + "Restore with --latest, or wait for more WAL to be archived. " + log
                    : "The restored cluster stopped during recovery. " + log,
                ex);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Best effort.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    [GeneratedRegex(@"LOG:\s+(?<what>recovery stopping [^\r\n]*|recovery stopped [^\r\n]*|archive recovery complete|redo done at [^\r\n]*)", RegexOptions.CultureInvariant)]
    private static partial Regex RecoveryStopPattern();
}
