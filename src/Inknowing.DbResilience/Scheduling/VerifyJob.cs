using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Notifications;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>Verifies the latest backup: every copy's size and SHA-256, and that the restore tool reads it.</summary>
internal sealed class VerifyJob(IServiceProvider services) : ServiceJob<IBackupService>(services)
{
    public override NotificationOperation Operation => NotificationOperation.Verification;

    protected override async Task<JobRunResult> RunAsync(IBackupService backups, JobRunContext context, CancellationToken cancellationToken)
    {
        var result = await backups.VerifyAsync("latest", restoreTest: false, cancellationToken).ConfigureAwait(false);
        return new JobRunResult
        {
            Outcome = result.Succeeded ? JobOutcome.Succeeded : JobOutcome.Failed,
            Summary = result.Succeeded
                ? $"backup {result.Id} verified ({result.Copies.Count} cop{(result.Copies.Count == 1 ? "y" : "ies")})"
                : $"backup {result.Id} failed verification: {string.Join("; ", result.Problems)}",
            BackupId = result.Id,
        };
    }
}
