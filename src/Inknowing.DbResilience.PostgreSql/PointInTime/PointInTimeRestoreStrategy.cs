using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Restores a base backup into a new data directory and replays archived WAL to the request's <see cref="RestoreRequest.PointInTime"/>
/// target (its consistent point when none is given), through <see cref="PointInTimeRestorer"/>: every WAL file the target needs is
/// checked before anything is written, and a started restore never reports success short of the target.
/// </summary>
internal sealed class PointInTimeRestoreStrategy(PointInTimeRestorer restorer) : IRestoreStrategy
{
    /// <summary>The strategy's name, as results and the recovery history give it.</summary>
    public const string StrategyName = "point-in-time";

    public string Name => StrategyName;

    public bool CanRestore(RestoreSource source, RestoreRequest request) => source.Format == RestoreSourceFormat.BaseBackup;

    public async Task<RestoreResult> RestoreAsync(RestoreSource source, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        var pointInTime = ToPointInTimeRequest(request);
        var startedAt = restorer.Time.GetUtcNow();
        var result = await restorer.RestoreUnrecordedAsync(pointInTime, cancellationToken).ConfigureAwait(false);
        return new BaseBackupRestoreResult
        {
            BackupId = result.BaseBackup.Id,
            TargetDatabase = result.TargetDirectory,
            Strategy = Name,
            StartedAt = startedAt,
            Duration = result.Duration,
            Sha256 = result.BaseBackup.GetDataFile().Sha256,
            BytesRead = result.BaseBackup.GetDataFile().SizeBytes,
            Jobs = 1,
            PointInTime = result,
        };
    }

    /// <summary>Turns a restore request into the restorer's: <c>latest</c> lets it choose the base backup for the target.</summary>
    /// <exception cref="RestoreException">No target directory; nothing was changed.</exception>
    internal static PointInTimeRestoreRequest ToPointInTimeRequest(RestoreRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.TargetDirectory))
        {
            throw new RestoreException(
                $"Backup {request.BackupId} is a base backup: it is restored into a new data directory. Set RestoreRequest.TargetDirectory (pitr restore --target-dir). Nothing was changed.")
            {
                BackupId = request.BackupId,
                NothingChanged = true,
            };
        }

        return new PointInTimeRestoreRequest
        {
            TargetDirectory = request.TargetDirectory,
            Target = RecoveryTarget.From(request.PointInTime ?? PointInTimeTarget.Immediate),
            BaseBackupId = IsLatest(request.BackupId) ? null : request.BackupId,
            Port = request.Port,
            Start = request.StartServer,
            AllowEarlyStop = request.AllowEarlyStop,
            Force = request.Force,
            Settings = new Dictionary<string, string>(request.ServerSettings, StringComparer.Ordinal),
        };
    }

    internal static bool IsLatest(string backupId) => string.Equals(backupId, "latest", StringComparison.OrdinalIgnoreCase);
}
