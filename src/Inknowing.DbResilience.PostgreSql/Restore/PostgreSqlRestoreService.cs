using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>Finds backups through the backup service, picks the strategy for their format, and records every attempt in recovery_history.</summary>
internal sealed class PostgreSqlRestoreService(
    IBackupService backups,
    IEnumerable<IRestoreStrategy> strategies,
    TableRestorer tableRestorer,
    RecoveryHistory history,
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider) : IRestoreService
{
    public async Task<RestoreResult> RestoreAsync(RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (manifest, source) = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        request.TargetConnectionString ??= postgreSqlOptions.Value.ConnectionString;
        var strategy = RestoreStrategySelector.Select(strategies, source, request, manifest?.Format.ToString() ?? "base");
        var startedAt = timeProvider.GetUtcNow();
        var pointInTime = source.Format == RestoreSourceFormat.BaseBackup;
        var type = pointInTime ? "pitr" : RestoreChecks.IsSelective(request) || request.SchemaOnly ? "selective" : "full";
        var target = pointInTime ? DescribePointInTimeTarget(request) : request.TargetDatabase;
        try
        {
            var result = await strategy.RestoreAsync(source, request, cancellationToken).ConfigureAwait(false);
            await history.RecordAsync(
                result is BaseBackupRestoreResult { PointInTime: var restored }
                    ? new RecoveryRecord(type, target, result.BackupId, startedAt, timeProvider.GetUtcNow(), true,
                        restored.EarlyStop is { } early ? $"Recovery stopped early, before {early.FirstNotReplayed}: {early.Reason}" : $"Restored to {restored.Target}; changes after it are not in '{restored.TargetDirectory}'.",
                        $"{restored.WalFilesStaged} WAL file(s) staged{(restored.RecoveryStop is null ? string.Empty : ", " + restored.RecoveryStop)}")
                    : new RecoveryRecord(type, target, result.BackupId, startedAt, timeProvider.GetUtcNow(), true,
                        manifest is null ? null : $"Changes made after {manifest.CompletedAt:u} (when backup {manifest.Id} completed) are not in '{request.TargetDatabase}'.",
                        $"{result.Strategy}, {result.Jobs} job(s), {result.BytesRead} bytes, SHA-256 {result.Sha256} verified"),
                cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (DbResilienceException ex)
        {
            await history.RecordAsync(
                new RecoveryRecord(type, target, manifest?.Id, startedAt, timeProvider.GetUtcNow(), false, null, ex.Message),
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Finds the backup to restore. A point-in-time restore of <c>latest</c> names no backup: the restorer chooses the base backup
    /// for the target (the newest before a time or LSN), so its source carries only its kind.
    /// </summary>
    private async Task<(BackupManifest? Manifest, RestoreSource Source)> FindAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.PointInTime is not null && PointInTimeRestoreStrategy.IsLatest(request.BackupId))
        {
            return (null, new RestoreSource
            {
                BackupId = request.BackupId,
                Format = RestoreSourceFormat.BaseBackup,
                Sha256 = string.Empty,
                OpenAsync = _ => throw new InvalidOperationException("The base backup of a point-in-time restore of 'latest' is chosen for its target by the restorer."),
            });
        }

        var manifest = await backups.GetAsync(request.BackupId, cancellationToken).ConfigureAwait(false);
        return (manifest, RestoreSources.FromManifest(manifest, backups));
    }

    private static string DescribePointInTimeTarget(RestoreRequest request)
    {
        var directory = string.IsNullOrWhiteSpace(request.TargetDirectory) ? "(no target directory)" : Path.GetFullPath(request.TargetDirectory);
        return $"{directory} ({RecoveryTarget.From(request.PointInTime ?? PointInTimeTarget.Immediate)})";
    }

    public async Task<TableRestoreResult> RestoreTableAsync(TableRestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var manifest = await backups.GetAsync(request.BackupId, cancellationToken).ConfigureAwait(false);
        var source = RestoreSources.FromManifest(manifest, backups);
        var startedAt = timeProvider.GetUtcNow();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(postgreSqlOptions.Value.ConnectionString).Database;
        var target = $"{database}:{request.Table.Quoted}";
        try
        {
            var result = await tableRestorer.RestoreAsync(source, request, cancellationToken).ConfigureAwait(false);
            if (result.Executed)
            {
                await history.RecordAsync(
                    new RecoveryRecord("table", target, manifest.Id, startedAt, timeProvider.GetUtcNow(), true,
                        request.Mode switch
                        {
                            TableRestoreMode.Replace => $"Changes to {request.Table.Quoted} after {manifest.CompletedAt:u} were replaced by the backup's rows ({result.RowsDeleted} deleted, {result.RowsInserted} inserted).",
                            TableRestoreMode.Append => $"{result.RowsInserted} rows missing since {manifest.CompletedAt:u} were inserted; live rows were kept.",
                            _ => $"No live rows changed; the backup's rows are in {result.Plan.TargetTable.Quoted}.",
                        },
                        $"mode {request.Mode}"),
                    cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        catch (DbResilienceException ex)
        {
            await history.RecordAsync(
                new RecoveryRecord("table", target, manifest.Id, startedAt, timeProvider.GetUtcNow(), false, null, ex.Message),
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
