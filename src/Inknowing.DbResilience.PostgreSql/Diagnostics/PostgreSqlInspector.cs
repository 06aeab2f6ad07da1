using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Diagnostics;

/// <summary>Reads the server's version and settings with one query, and the local pg_dump's version.</summary>
internal sealed class PostgreSqlInspector([FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource, IOptions<PostgreSqlOptions> options) : IPostgreSqlInspector
{
    private const string Query = """
        SELECT current_setting('server_version_num')::int,
               current_database(),
               pg_database_size(current_database()),
               current_setting('data_checksums') = 'on',
               current_setting('wal_level'),
               current_setting('archive_mode'),
               (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
        """;

    public async Task<PostgreSqlServerInfo> InspectAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var versionNumber = reader.GetInt32(0);
        var serverVersion = new Version(versionNumber / 10000, versionNumber % 10000);
        var problems = new List<string>();
        if (PostgreSqlVersions.ServerProblem(serverVersion, "back it up or restore into it") is { } serverProblem)
        {
            problems.Add(serverProblem);
        }

        string? pgDump = null;
        Version? pgDumpVersion = null;
        try
        {
            pgDump = ToolLocator.FindClientTool("pg_dump", options.Value.ToolsDirectory);
            pgDumpVersion = await ToolLocator.GetVersionAsync(pgDump, cancellationToken).ConfigureAwait(false);
            if (PostgreSqlVersions.ToolProblem(pgDump, pgDumpVersion, serverVersion) is { } toolProblem)
            {
                problems.Add(toolProblem);
            }
        }
        catch (ExternalToolException ex)
        {
            problems.Add(ex.Message);
        }

        var walLevel = reader.GetString(4);
        if (walLevel == "minimal")
        {
            problems.Add("wal_level is 'minimal': point-in-time recovery needs 'replica' (ALTER SYSTEM SET wal_level = replica, then restart the server).");
        }

        return new PostgreSqlServerInfo
        {
            ServerVersion = serverVersion,
            Database = reader.GetString(1),
            DatabaseSizeBytes = reader.GetInt64(2),
            DataChecksums = reader.GetBoolean(3),
            WalLevel = walLevel,
            ArchiveMode = reader.GetString(5),
            IsSuperuser = reader.GetBoolean(6),
            PgDumpPath = pgDump,
            PgDumpVersion = pgDumpVersion,
            Problems = problems,
        };
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            var target = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
            throw new DbResilienceException(
                $"Could not connect to PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}', as '{target.Username}': {ex.Message}", ex);
        }
    }
}
