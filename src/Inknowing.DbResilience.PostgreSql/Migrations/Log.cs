using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>The log messages of the migration runner (event ids 1100-1199).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "Waiting for the migration lock held by {Holder}")]
    public static partial void WaitingForLock(ILogger logger, string holder);

    [LoggerMessage(1101, LogLevel.Debug, "Migration lock acquired after {ElapsedMs} ms")]
    public static partial void LockAcquired(ILogger logger, long elapsedMs);

    [LoggerMessage(1102, LogLevel.Information, "{Action} {Key} {Name} in {ElapsedMs} ms ({Mode})")]
    public static partial void ScriptRan(ILogger logger, string action, string key, string name, long elapsedMs, string mode);

    [LoggerMessage(1103, LogLevel.Error, "{Action} {Key} failed at {Origin} line {Line}: SQLSTATE {SqlState}")]
    public static partial void ScriptFailed(ILogger logger, Exception exception, string action, string key, string origin, int? line, string? sqlState);

    [LoggerMessage(1104, LogLevel.Warning, "No restore point can be created before migrations ({Reason}); restore point name and LSN are recorded as null")]
    public static partial void RestorePointsUnavailable(ILogger logger, string reason);

    [LoggerMessage(1105, LogLevel.Information, "The database is up to date: nothing to apply ({Count} migrations known)")]
    public static partial void UpToDate(ILogger logger, int count);

    [LoggerMessage(1106, LogLevel.Warning, "INVALID index left behind: {Index}; drop it with DROP INDEX CONCURRENTLY and run again")]
    public static partial void InvalidIndex(ILogger logger, string index);

    [LoggerMessage(1107, LogLevel.Warning, "Applied version {Key} has no script any more ({Name})")]
    public static partial void MissingScript(ILogger logger, string key, string name);

    [LoggerMessage(1108, LogLevel.Information, "Applying migrations at start-up")]
    public static partial void MigratingAtStartup(ILogger logger);
}
