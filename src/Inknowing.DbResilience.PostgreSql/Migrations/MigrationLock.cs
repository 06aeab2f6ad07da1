using System.Security.Cryptography;
using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// The migration lock: one session-level advisory lock per database and tracking schema, taken by migrate, rollback,
/// adopt and baseline alike, polled with a back-off (see <see cref="AdvisoryLock"/> for why it is never a blocking wait).
/// </summary>
internal static class MigrationLock
{
    /// <summary>Takes the lock on the connection's session, polling until <paramref name="timeout"/>.</summary>
    /// <exception cref="MigrationLockTimeoutException">Another session held the lock for longer than <paramref name="timeout"/>; the message names it.</exception>
    public static async Task AcquireAsync(
        NpgsqlConnection connection, MigrationTracking tracking, TimeSpan timeout, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(20);
        var logged = false;
        while (true)
        {
            if (await AdvisoryLock.TryAcquireAsync(connection, tracking.LockKey, cancellationToken).ConfigureAwait(false))
            {
                Log.LockAcquired(logger, (long)time.GetElapsedTime(started).TotalMilliseconds);
                return;
            }

            var waited = time.GetElapsedTime(started);
            if (waited >= timeout)
            {
                var holder = await AdvisoryLock.DescribeHolderAsync(connection, tracking.LockKey, cancellationToken).ConfigureAwait(false);
                throw new MigrationLockTimeoutException(
                    $"The migration lock (schema '{tracking.Schema}') is held by {holder}; gave up after {waited.TotalSeconds:F0} s (MigrationOptions.LockTimeout). "
                    + "Wait for that migration to finish, or end that session with pg_terminate_backend(pid) if it is stuck: PostgreSQL releases the lock when it ends.");
            }

            if (!logged)
            {
                Log.WaitingForLock(logger, await AdvisoryLock.DescribeHolderAsync(connection, tracking.LockKey, cancellationToken).ConfigureAwait(false));
                logged = true;
            }

            var jitter = TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(0, (int)delay.TotalMilliseconds + 1));
            var remaining = timeout - waited;
            await Task.Delay(Min(delay + jitter, remaining), time, cancellationToken).ConfigureAwait(false);
            delay = Min(delay * 2, TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Releases the lock; a broken connection has already released it with its session.</summary>
    public static Task ReleaseAsync(NpgsqlConnection connection, MigrationTracking tracking) => AdvisoryLock.ReleaseAsync(connection, tracking.LockKey);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
