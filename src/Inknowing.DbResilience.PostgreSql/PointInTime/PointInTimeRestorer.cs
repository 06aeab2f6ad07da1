using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.Restore;
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
/// OS user, needs neither this library, its configuration nor storage credentials. The class is split by job: this file
/// lists the archive, computes and verifies the window and runs a restore; <c>PointInTimeRestorer.Planning.cs</c> chooses the base
/// backup and the WAL a target needs and checks where replay ended; <c>PointInTimeRestorer.Unpack.cs</c> reads and checks a base backup's
/// tar into the data directory; <c>PointInTimeRestorer.Recovery.cs</c> stages the WAL, writes the recovery settings and runs
/// the server until recovery ends.
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

    /// <summary>
    /// Computes the recoverable window from the listing of the stored base backups and WAL (no file is read but the manifests and
    /// history files), and lists the WAL chain's problems. <see cref="VerifyWindowAsync"/> also reads and checks every file.
    /// </summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The window and problems.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<RecoverableWindow> GetWindowAsync(CancellationToken cancellationToken = default)
        => Analyze(await ListArchiveAsync(cancellationToken).ConfigureAwait(false), []).Window;

    /// <summary>
    /// Computes the recoverable window and verifies what it reports, as a backup verification does: every base backup's data
    /// (size and SHA-256 against its manifest and against the checksum its storage records), every WAL and history file of the
    /// chains (a checksum record that exists and matches, the size, the structure of each segment). A damaged file counts as
    /// missing, so the window ends before it; each problem names the file and what is wrong.
    /// </summary>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The verified window and every problem found.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<RecoverableWindow> VerifyWindowAsync(CancellationToken cancellationToken = default)
    {
        var listing = await ListArchiveAsync(cancellationToken).ConfigureAwait(false);
        var first = Analyze(listing, []);
        var problems = new List<WalChainProblem>();
        var damagedBackups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in first.Window.BaseBackups)
        {
            foreach (var problem in await VerifyBaseBackupAsync(backup, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(new WalChainProblem { Kind = WalChainProblemKind.CorruptBaseBackup, Message = $"Base backup {backup.Id} is damaged: {problem}.", Missing = backup.DataKey() });
                damagedBackups.Add(backup.Id);
            }
        }

        // Every file a restore from any backup would read: the chains, and the history files recovery looks up.
        // (History files were checked by the listing already.)
        var files = first.Ends.Values.SelectMany(e => e.Files).DistinctBy(f => f.Key).ToList();
        var damaged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.FetchParallelism), CancellationToken = cancellationToken },
            async (file, token) =>
            {
                var (found, _, _) = await _archive.VerifyAsync(file, token).ConfigureAwait(false);
                if (found.Count > 0)
                {
                    damaged[file.Key] = string.Join("; ", found);
                }
            }).ConfigureAwait(false);
        foreach (var file in files.Where(f => damaged.ContainsKey(f.Key)))
        {
            problems.Add(new WalChainProblem { Kind = WalChainProblemKind.CorruptWalFile, Message = $"WAL file {file.Name} is damaged: {damaged[file.Key]}.", Missing = file.Name });
        }

        // Damaged files and backups count as missing: the window is what can really be restored.
        var verified = Analyze(listing with { Backups = [.. listing.Backups.Where(b => !damagedBackups.Contains(b.Id))] }, damaged.Keys.ToHashSet(StringComparer.Ordinal));
        return verified.Window with
        {
            BaseBackups = first.Window.BaseBackups,
            WalFiles = first.Window.WalFiles,
            Problems = [.. problems, .. verified.Window.Problems],
        };
    }

    /// <summary>
    /// Restores into a new data directory: picks the base backup, checks the target lies in the recoverable window, works out the
    /// WAL the target needs (for latest, up to the last segment archived on the timeline recovery follows) and refuses a gap
    /// before writing anything, stages and checks that WAL (refusing a damaged file), unpacks the backup (checking its SHA-256),
    /// writes the recovery settings, and when asked starts the cluster, waits for recovery to end and checks where it stopped
    /// against the target: a restore never reports success short of it.
    /// </summary>
    /// <param name="request">What to restore and where.</param>
    /// <param name="cancellationToken">Cancels the restore; a partly written directory is removed.</param>
    /// <returns>What was restored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="PointInTimeException">
    /// The target directory or its <c>-wal</c> staging directory exists and is not empty and <see cref="PointInTimeRestoreRequest.Force"/> is
    /// not set (nothing is written), no usable base backup, <see cref="PointInTimeRestoreRequest.Force"/> could not empty the target directory, the target is outside the window, WAL the target needs is missing or damaged (unless
    /// <see cref="PointInTimeRestoreRequest.AllowEarlyStop"/> allows stopping before it), the backup is damaged, or recovery did not
    /// reach the target.
    /// </exception>
    /// <exception cref="ExternalToolException">The server failed.</exception>
    public async Task<PointInTimeRestoreResult> RestoreAsync(PointInTimeRestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var startedAt = Time.GetUtcNow();
        try
        {
            var result = await RestoreCoreAsync(request, cancellationToken).ConfigureAwait(false);
            await RecordAsync(request, result.BaseBackup.Id, startedAt, true,
                result.EarlyStop is { } early ? $"Recovery stopped early, before {early.FirstNotReplayed}: {early.Reason}" : $"Restored to {request.Target}; changes after it are not in '{result.TargetDirectory}'.",
                $"{result.WalFilesStaged} WAL file(s) staged{(result.RecoveryStop is null ? string.Empty : ", " + result.RecoveryStop)}").ConfigureAwait(false);
            return result;
        }
        catch (DbResilienceException ex)
        {
            await RecordAsync(request, request.BaseBackupId, startedAt, false, null, ex.Message).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Restores as <see cref="RestoreAsync"/> does, without recording it: the caller (the restore service) records it.</summary>
    internal Task<PointInTimeRestoreResult> RestoreUnrecordedAsync(PointInTimeRestoreRequest request, CancellationToken cancellationToken)
        => RestoreCoreAsync(request, cancellationToken);

    /// <summary>Gets or sets where restores are recorded (<c>recovery_history</c>); set by the library's registration.</summary>
    internal RecoveryHistory? History { get; set; }

    /// <summary>Gets or sets the clock of the recorded times; the library's registration sets its own.</summary>
    internal TimeProvider Time { get; set; } = TimeProvider.System;

    private async Task RecordAsync(PointInTimeRestoreRequest request, string? backupId, DateTimeOffset startedAt, bool success, string? dataLoss, string? notes)
    {
        if (History is not null)
        {
            await History.RecordAsync(
                new RecoveryRecord("pitr", $"{Path.GetFullPath(request.TargetDirectory)} ({request.Target})", backupId, startedAt, Time.GetUtcNow(), success, dataLoss, notes),
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<PointInTimeRestoreResult> RestoreCoreAsync(PointInTimeRestoreRequest request, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var target = Path.GetFullPath(request.TargetDirectory);
        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + "-wal";
        var occupied = new[] { target, staging }.Where(d => Directory.Exists(d) && Directory.EnumerateFileSystemEntries(d).Any()).ToList();
        if (occupied.Count > 0 && !request.Force)
        {
            // A refusal found by looking at the target, as restore's existing database is (RestoreException): the CLI exits 1 for both.
            throw new PointInTimeException(
                $"The target directory '{target}'{(occupied.Contains(staging) ? $" or its WAL staging directory '{staging}'" : string.Empty)} is not empty; nothing was written. "
                + "A restore killed before it finished leaves its half-restored directory there, and may have left its server running in it. "
                + "Restore into a new or empty directory, or re-run with --force (PointInTimeRestoreRequest.Force) to stop a server running in it and replace it.");
        }

        var listing = await ListArchiveAsync(cancellationToken).ConfigureAwait(false);
        var chain = Analyze(listing, []);
        if (request.BaseBackupId is { } wanted && listing.Damaged.FirstOrDefault(d => d.Id == wanted) is { } damaged
            && !listing.Backups.Any(b => b.Id == wanted))
        {
            throw new PointInTimeException(
                $"The manifest of base backup {wanted} is damaged, so the backup cannot be trusted: {damaged.Storage} '{damaged.Key}': {damaged.Problem}. Nothing was written.");
        }

        if (listing.DamagedHistories.Count > 0)
        {
            throw new PointInTimeException(
                string.Join(" ", listing.DamagedHistories.Select(h => h.Message))
                + " Recovery follows timeline switches by these files, so nothing can be restored safely until an intact copy is put back. Nothing was written.");
        }

        var backup = ChooseBaseBackup(chain, request);
        var (wal, needed, chainBreak) = PlanWal(chain, backup, request.Target);
        var open = OpenEnded(request.Target);
        if (chainBreak is not null && open && !request.AllowEarlyStop)
        {
            throw new PointInTimeException(
                $"{chainBreak.Message} A restore to {request.Target} from base backup {backup.Id} would stop there and lose them. Nothing was written. "
                + "Put the missing file back into the archive, or re-run with --allow-early-stop (PointInTimeRestoreRequest.AllowEarlyStop) "
                + "to recover up to the last consistent point before it knowingly.");
        }

        if (occupied.Count > 0)
        {
            // --force, and the plan holds: only now is what the earlier restore left replaced.
            if (Directory.Exists(target))
            {
                ScratchDirectory.StopServer(target);
                foreach (var entry in Directory.EnumerateFileSystemEntries(target))
                {
                    TryDelete(entry);
                }
            }

            TryDelete(staging);
            if ((Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()) || Directory.Exists(staging))
            {
                throw new PointInTimeException($"--force could not empty '{target}' and remove '{staging}': remove them by hand (stop a server running in '{target}' first).");
            }
        }

        Log.RestoreStarted(_logger, backup.Id, target, request.Target.ToString());
        var createdTarget = !Directory.Exists(target);
        LocalPostgreSqlCluster? cluster = null;
        try
        {
            // The parents are the caller's (as root, the server's user must be able to pass through them): only the data
            // and staging directories themselves are 0700, then given to the server's user.
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            PrivateFiles.CreateDirectory(target);
            PrivateFiles.CreateDirectory(staging);

            // The WAL first: a missing or damaged file is refused in seconds, before the base backup is unpacked.
            var staged = await StageWalAsync(wal, staging, cancellationToken).ConfigureAwait(false);
            var bad = staged.FindIndex(f => f.Problem is not null);
            PointInTimeEarlyStop? earlyStop = null;
            var cut = chainBreak?.Message;
            if (bad >= 0)
            {
                var file = staged[bad];
                if (file.File.Segment is { } segment && segment <= backup.StopSegment() with { Timeline = segment.Timeline })
                {
                    throw new PointInTimeException(
                        $"Base backup {backup.Id} cannot become consistent: WAL file {file.File.Name}, which it needs up to {backup.StopSegment()}, is damaged: {file.Problem}. Nothing was restored.");
                }

                cut = $"WAL file {file.File.Name} is damaged: {file.Problem}";
                if (bad < needed && (!open || !request.AllowEarlyStop))
                {
                    throw new PointInTimeException(
                        $"WAL file {file.File.Name} is damaged: {file.Problem}. A restore to {request.Target} from base backup {backup.Id} needs it and {staged.Count - bad - 1} WAL file(s) after it. "
                        + "Nothing was restored. Put an intact copy back into the archive"
                        + (open ? ", or re-run with --allow-early-stop to recover up to the last consistent point before it knowingly." : ", or choose an earlier target."));
                }

                // Past the damaged file nothing is staged, so the server cannot replay beyond it. When the target needs less (a
                // time or LSN before it), the server stops at the target and refuses to promote if it was not there.
                foreach (var after in staged.Skip(bad))
                {
                    TryDelete(Path.Combine(staging, StagedName(after.File)));
                }

                if (open)
                {
                    var notReplayed = staged.Skip(bad).Select(f => (f.File, f.Info)).Concat(chainBreak?.Unreachable ?? []).ToList();
                    earlyStop = DescribeEarlyStop(cut, file.File.Name, staged.Take(bad).ToList(), backup, notReplayed);
                }

                staged = staged.Take(bad).ToList();
            }
            else if (chainBreak is not null && open)
            {
                earlyStop = DescribeEarlyStop(chainBreak.Message, chainBreak.Missing, staged, backup, chainBreak.Unreachable);
            }

            var histories = await StageHistoriesAsync(listing, staging, cancellationToken).ConfigureAwait(false);
            await UnpackAsync(backup, target, cancellationToken).ConfigureAwait(false);
            var port = request.Port != 0 ? request.Port : 0;
            await WriteRecoverySettingsAsync(target, staging, request, port, cancellationToken).ConfigureAwait(false);
            await GiveToServerUserAsync(target, staging, cancellationToken).ConfigureAwait(false);

            var expected = ExpectedReplay(request.Target, staged, backup);
            var result = new PointInTimeRestoreResult
            {
                TargetDirectory = target,
                WalStagingDirectory = staging,
                Target = request.Target,
                BaseBackup = backup,
                Window = chain.Window,
                WalFilesStaged = staged.Count + histories,
                Port = port,
                ExpectedReplayLsn = expected?.Lsn.ToString(),
                EarlyStop = earlyStop,
            };
            if (!request.Start)
            {
                return result with { Duration = stopwatch.Elapsed };
            }

            cluster = await StartAndWaitAsync(target, request.Port, cut, cancellationToken).ConfigureAwait(false);
            var stop = FindRecoveryStop(cluster.ReadLog());
            Log.RecoveryEnded(_logger, stop ?? "end of archived WAL");
            var (replayed, lastCommit) = await ReadReplayPositionAsync(cluster, cancellationToken).ConfigureAwait(false);
            CheckReachedTarget(request.Target, expected, replayed, stop, earlyStop);
            TryDelete(staging);

            // The server outlives this run (the caller owns it now): its log and sockets stay while it runs.
            cluster.HandOverToServer();
            return result with
            {
                Cluster = cluster,
                Port = cluster.Port,
                RecoveryStop = stop,
                ReplayedToLsn = replayed?.ToString(),
                LastReplayedCommit = lastCommit,
                EarlyStop = earlyStop is null ? null : earlyStop with { StopLsn = replayed?.ToString() ?? earlyStop.StopLsn, StopTime = lastCommit },
                Duration = stopwatch.Elapsed,
            };
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }

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
        => Analyze(await ListArchiveAsync(cancellationToken).ConfigureAwait(false), []);

    /// <summary>Lists the base backups (intact and damaged manifests), the stored WAL files and the parsed history files.</summary>
    private async Task<ArchiveListing> ListArchiveAsync(CancellationToken cancellationToken)
    {
        var (backups, damaged, incomplete) = await _baseBackups.ScanAsync(cancellationToken).ConfigureAwait(false);
        var files = new List<(WalFileName File, StorageObjectInfo Info)>();
        await foreach (var entry in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(entry);
        }

        // History files steer the whole chain: only intact ones (checksum record, SHA-256, structure) are followed.
        var histories = new Dictionary<string, (uint Timeline, uint Parent, ulong SwitchLsn)>(StringComparer.Ordinal);
        var damagedHistories = new List<WalChainProblem>();
        foreach (var (file, _) in files.Where(f => f.File.Kind == WalFileKind.History))
        {
            var (problems, _, _) = await _archive.VerifyAsync(file, cancellationToken).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                damagedHistories.Add(new WalChainProblem
                {
                    Kind = WalChainProblemKind.CorruptWalFile,
                    Message = $"The timeline history file {file.Name} is damaged: {string.Join("; ", problems)}.",
                    Missing = file.Name,
                });
                continue;
            }

            var stream = await _archive.Storages.Providers[0].OpenReadAsync(file.Key, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                if (WalChain.ParseHistory(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)) is { } history)
                {
                    histories[file.Key] = (file.Timeline, history.Parent, history.SwitchLsn);
                }
            }
        }

        return new ArchiveListing(backups, damaged, incomplete, files, histories, damagedHistories);
    }

    /// <summary>Analyses a listing, counting the files in <paramref name="excluded"/> (keys of damaged files) as missing.</summary>
    private static WalChain Analyze(ArchiveListing listing, HashSet<string> excluded)
    {
        var chain = WalChain.Analyze(
            listing.Backups,
            listing.Files.Where(f => !excluded.Contains(f.File.Key)),
            listing.Histories.Where(h => !excluded.Contains(h.Key)).ToDictionary(h => h.Value.Timeline, h => (h.Value.Parent, h.Value.SwitchLsn)));
        chain.AddIncomplete(listing.Incomplete);
        chain.AddProblems(listing.DamagedHistories);
        if (listing.Damaged.Count > 0)
        {
            chain.AddProblems(listing.Damaged.Select(d => new WalChainProblem
            {
                Kind = WalChainProblemKind.DamagedManifest,
                Message = $"The manifest of base backup {d.Id} is damaged, so the backup cannot be used: {d.Storage} '{d.Key}': {d.Problem}.",
                Missing = d.Key,
            }));
        }

        return chain;
    }

    /// <summary>Finds the server's own words on where recovery stopped.</summary>
    internal static string? FindRecoveryStop(string log)
    {
        var matches = RecoveryStopPattern().Matches(log).Select(m => m.Groups["what"].Value.Trim()).ToList();
        return matches.LastOrDefault(m => m.StartsWith("recovery stop", StringComparison.Ordinal)) ?? matches.LastOrDefault();
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

    /// <summary>One WAL file of a restore's chain after staging: what its structural check found, or what is wrong with it.</summary>
    private sealed record StagedFile(WalFileName File, StorageObjectInfo Info, WalSegmentCheck? Check, string? Problem);

    /// <summary>What the archive holds: base backups (intact and damaged manifests), WAL files, and the history files parsed, by key.</summary>
    private sealed record ArchiveListing(
        IReadOnlyList<BackupManifest> Backups,
        IReadOnlyList<DamagedBackup> Damaged,
        IReadOnlyList<string> Incomplete,
        IReadOnlyList<(WalFileName File, StorageObjectInfo Info)> Files,
        IReadOnlyDictionary<string, (uint Timeline, uint Parent, ulong SwitchLsn)> Histories,
        IReadOnlyList<WalChainProblem> DamagedHistories);

    [GeneratedRegex(@"LOG:\s+(?<what>recovery stopping [^\r\n]*|recovery stopped [^\r\n]*|archive recovery complete|redo done at [^\r\n]*)", RegexOptions.CultureInvariant)]
    private static partial Regex RecoveryStopPattern();
}
