using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Telemetry;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>A scheduled backup of one tier, then retention (when <see cref="SchedulerOptions.PruneAfterBackup"/>).</summary>
internal sealed class BackupJob(IServiceProvider services, IOptions<SchedulerOptions> options, string tier) : ServiceJob<IBackupService>(services)
{
    public override NotificationOperation Operation => NotificationOperation.Backup;

    protected override async Task<JobRunResult> RunAsync(IBackupService backups, JobRunContext context, CancellationToken cancellationToken)
    {
        var backup = await backups.CreateAsync(new BackupRequest { Tier = tier }, cancellationToken).ConfigureAwait(false);
        var manifest = backup.Manifest;
        LibraryMetrics.BackupBytesWritten.Add(manifest.SizeBytes * Math.Max(manifest.Locations.Count, 1), new KeyValuePair<string, object?>("dbresilience.backup.tier", tier));
        var warnings = new List<string>();
        if (backup.FailedCopies.Count > 0)
        {
            warnings.Add($"{backup.FailedCopies.Count} cop{(backup.FailedCopies.Count == 1 ? "y" : "ies")} failed: {string.Join("; ", backup.FailedCopies)}");
        }

        var pruned = string.Empty;
        if (options.Value.PruneAfterBackup)
        {
            try
            {
                var prune = await backups.PruneAsync(dryRun: false, cancellationToken).ConfigureAwait(false);
                pruned = string.Create(CultureInfo.InvariantCulture, $"; retention deleted {prune.Deleted.Count}");
                warnings.AddRange(prune.Problems.Select(p => "retention: " + p));
            }
            catch (DbResilienceException ex)
            {
                warnings.Add("retention failed: " + ex.Message);
            }
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"backup {manifest.Id}, {manifest.SizeBytes} bytes, {manifest.Locations.Count} location(s){pruned}");
        return new JobRunResult
        {
            Outcome = warnings.Count == 0 ? JobOutcome.Succeeded : JobOutcome.Warning,
            Summary = warnings.Count == 0 ? summary : summary + "; " + string.Join("; ", warnings),
            Database = manifest.Database,
            SizeBytes = manifest.SizeBytes,
            BackupId = manifest.Id,
        };
    }
}
