using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>The log messages of pg_dump backups (event ids 5050-5099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5050, Level = LogLevel.Debug, Message = "Backup {BackupId}: running {PgDump} (version {Version})")]
    public static partial void Starting(ILogger logger, string backupId, string pgDump, Version version);

    [LoggerMessage(EventId = 5051, Level = LogLevel.Debug, Message = "Backup catalog table {Table} is ready")]
    public static partial void CatalogReady(ILogger logger, string table);

    [LoggerMessage(EventId = 5052, Level = LogLevel.Information, Message = "Dropped scratch database {Database}, left by a run of this host whose process is gone")]
    public static partial void AbandonedScratchDatabaseDropped(ILogger logger, string database);
}
