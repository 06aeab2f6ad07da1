using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
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
        var manifest = await backups.GetAsync(request.BackupId, cancellationToken).ConfigureAwait(false);
        var source = RestoreSources.FromManifest(manifest, backups);
        request.TargetConnectionString ??= postgreSqlOptions.Value.ConnectionString;
        var strategy = RestoreStrategySelector.Select(strategies, source, request, manifest.Format.ToString());
        var startedAt = timeProvider.GetUtcNow();
        var type = RestoreChecks.IsSelective(request) || request.SchemaOnly ? "selective" : "full";
        try
        {
            var result = await strategy.RestoreAsync(source, request, cancellationToken).ConfigureAwait(false);
            await history.RecordAsync(
                new RecoveryRecord(type, request.TargetDatabase, manifest.Id, startedAt, timeProvider.GetUtcNow(), true,
                    $"Changes made after {manifest.CompletedAt:u} (when backup {manifest.Id} completed) are not in '{request.TargetDatabase}'.",
                    $"{result.Strategy}, {result.Jobs} job(s), {result.BytesRead} bytes, SHA-256 {result.Sha256} verified"),
                cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (DbResilienceException ex)
        {
            await history.RecordAsync(
                new RecoveryRecord(type, request.TargetDatabase, manifest.Id, startedAt, timeProvider.GetUtcNow(), false, null, ex.Message),
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }
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
