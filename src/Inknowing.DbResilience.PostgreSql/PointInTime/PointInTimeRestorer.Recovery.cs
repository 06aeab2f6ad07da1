using System.Globalization;
using System.Text;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

// Recovery itself: the WAL staged and checked beside the data directory, the recovery settings, the server run until it ends.
public sealed partial class PointInTimeRestorer
{
    private static async Task<(NpgsqlLogSequenceNumber? Lsn, DateTimeOffset? LastCommit)> ReadReplayPositionAsync(LocalPostgreSqlCluster cluster, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(cluster.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn(), pg_last_xact_replay_timestamp()", connection);
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    return (
                        reader.IsDBNull(0) ? null : reader.GetFieldValue<NpgsqlLogSequenceNumber>(0),
                        reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
                }
            }
        }
    }

    /// <summary>Fetches and checks each WAL file into the staging directory, in parallel; a damaged file is reported, not thrown.</summary>
    private async Task<List<StagedFile>> StageWalAsync(List<(WalFileName File, StorageObjectInfo Info)> files, string staging, CancellationToken cancellationToken)
    {
        var staged = new StagedFile[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.FetchParallelism), CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var (file, info) = files[index];

                // A partial segment is staged under the segment's own name: recovery replays what it holds.
                var fetched = file.Kind == WalFileKind.Partial ? WalFileName.Parse(file.Segment!.Value.ToString()) : file;
                try
                {
                    var (found, check) = await _archive.FetchCheckedAsync(fetched, Path.Combine(staging, StagedName(file)), ownerOnly: true, token).ConfigureAwait(false);
                    staged[index] = new StagedFile(file, info, check, found ? null : "it vanished from storage while the restore staged it");
                }
                catch (PointInTimeException ex)
                {
                    staged[index] = new StagedFile(file, info, null, ex.Message);
                }
            }).ConfigureAwait(false);
        Log.WalStaged(_logger, files.Count, staging);
        return [.. staged];
    }

    /// <summary>Fetches and checks every timeline history file (recovery looks them up to follow the timeline switches).</summary>
    /// <exception cref="PointInTimeException">A history file is damaged.</exception>
    private async Task<int> StageHistoriesAsync(ArchiveListing listing, string staging, CancellationToken cancellationToken)
    {
        var histories = listing.Files.Where(f => f.File.Kind == WalFileKind.History).Select(f => f.File).ToList();
        foreach (var history in histories)
        {
            if (!(await _archive.FetchCheckedAsync(history, Path.Combine(staging, history.Name), ownerOnly: true, cancellationToken).ConfigureAwait(false)).Found)
            {
                throw new PointInTimeException($"The timeline history file {history.Name} vanished from storage while the restore staged it. Nothing was restored.");
            }
        }

        return histories.Count;
    }

    private static string StagedName(WalFileName file) => file.Kind == WalFileKind.Partial ? file.Segment!.Value.ToString() : file.Name;

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
        await PrivateFiles.WriteAllTextAsync(Path.Combine(target, "recovery.signal"), string.Empty, cancellationToken).ConfigureAwait(false);
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

    private async Task<LocalPostgreSqlCluster> StartAndWaitAsync(string target, int port, string? cut, CancellationToken cancellationToken)
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
                    ? (cut is null
                        ? "Recovery ended before the target was reached: the archived WAL holds no transaction at or after the target. "
                          + "Restore with --latest, or wait for more WAL to be archived. "
                        : $"Recovery ended before the target was reached: replay could not go past a break in the archive ({cut}). ") + log
                    : "The restored cluster stopped during recovery. " + log,
                ex);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
