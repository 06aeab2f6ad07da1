using System.CommandLine;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// Builds the library for the point-in-time verbs. <c>wal-push</c> and <c>wal-fetch</c> run as PostgreSQL's archive_command and
/// restore_command, often with nothing but <c>DBRESILIENCE_STORAGE</c> in their environment, so they need no connection string.
/// </summary>
internal static class PitrHost
{
    public static DbResilienceHost Build(ParseResult parse, bool database)
    {
        var builder = CliApplication.NewBuilder(parse);
        if (database)
        {
            var connection = CliApplication.GetConnection(parse);
            builder.UsePostgreSql(o => o.ConnectionString = connection).EnablePointInTimeRecovery();
        }

        var storages = CliApplication.GetStorages(parse);
        if (storages.Count == 0)
        {
            throw new DbResilienceConfigurationException(
                $"No storage: pass --storage file:///abs/path or set {GlobalOptions.StorageVariable} (as archive_command, put it in the command itself).");
        }

        CliApplication.AddStorages(builder, storages);
        return builder.Build();
    }
}
