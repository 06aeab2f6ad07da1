using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>The log messages of adoption and baselines (event ids 1110-1119, in the migration runner's range).</summary>
internal static partial class Log
{
    [LoggerMessage(1110, LogLevel.Information, "Adopted {Versions} version(s) and {HistoryRows} history row(s) from {Source}")]
    public static partial void Adopted(ILogger logger, int versions, int historyRows, string source);

    [LoggerMessage(1111, LogLevel.Information, "Baselined {Versions} version(s) up to {Version}")]
    public static partial void Baselined(ILogger logger, int versions, string version);

    [LoggerMessage(1112, LogLevel.Information, "Renamed {Table} aside to {NewName}")]
    public static partial void RenamedAside(ILogger logger, string table, string newName);
}
