namespace Inknowing.DbResilience.Cli;

/// <summary>The exit codes of <c>dbresilience</c>, for scripts and cron.</summary>
internal static class ExitCodes
{
    /// <summary>The operation succeeded.</summary>
    public const int Success = 0;

    /// <summary>The operation failed or found a problem (a failed drill, drift, a corrupted backup).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the configuration is wrong; nothing was done.</summary>
    public const int UsageError = 2;

    /// <summary><c>status --exit-code</c>: versions are pending and none failed (CI can tell "deploy needed" from "broken").</summary>
    public const int Pending = 3;

    /// <summary>
    /// <c>wal-fetch</c>: the file is archived but no intact copy could be read (damaged, or the storage failed). Above 125, so
    /// PostgreSQL stops recovery with an error instead of taking it for the end of the archive and promoting short of its
    /// target.
    /// </summary>
    public const int RecoveryMustStop = 126;

    /// <summary>The operation was cancelled (Ctrl+C, SIGTERM); nothing half-done was left looking complete.</summary>
    public const int Cancelled = 130;
}
