using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Restores custom- and directory-format backups with pg_restore: whole databases or chosen tables and schemas,
/// schema-only or data-only. One job streams the verified backup into pg_restore's standard input; more jobs land it in a
/// local temporary file first, because <c>pg_restore -j</c> refuses standard input.
/// </summary>
internal sealed class PgRestoreStrategy(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PgRestoreStrategy> logger) : LogicalRestoreStrategy(postgreSqlOptions, restoreOptions, timeProvider, logger)
{
    public override string Name => "pg_restore";

    protected override string ToolName => "pg_restore";

    public override bool CanRestore(RestoreSource source, RestoreRequest request)
        => source.Format is RestoreSourceFormat.Custom or RestoreSourceFormat.DirectoryTar;

    protected override bool NeedsLocalCopy(RestoreSource source, RestoreRequest request)
        => request.Jobs > 1 || source.Format == RestoreSourceFormat.DirectoryTar;

    protected override async Task RunToolAsync(RestoreSource source, RestoreRequest request, LocalBackupCopy? copy, string targetConnectionString, bool overExisting, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", PostgreSqlOptions.ToolsDirectory)) { RedirectStandardInput = copy is null };
        LibpqConnection.Apply(start, targetConnectionString);
        start.Arguments.AddRange(["--exit-on-error", "-d", LibpqConnection.DatabaseOnly(request.TargetDatabase)]);
        if (request.SchemaOnly)
        {
            start.Arguments.Add("--schema-only");
        }

        if (request.DataOnly)
        {
            start.Arguments.Add("--data-only");
        }
        else if (overExisting)
        {
            // Selected objects restored into an existing database replace their namesakes.
            start.Arguments.AddRange(["--clean", "--if-exists"]);
        }

        if (request.SkipOwnership)
        {
            start.Arguments.AddRange(["--no-owner", "--no-privileges"]);
        }

        foreach (var schema in request.Schemas.Concat(request.Tables.Select(t => t.Schema)).Distinct(StringComparer.Ordinal))
        {
            start.Arguments.AddRange(["-n", schema]);
        }

        foreach (var table in request.Tables)
        {
            start.Arguments.AddRange(["-t", table.Name]);
        }

        if (copy is not null)
        {
            start.Arguments.AddRange(["-j", Jobs(request.Jobs)]);
            if (source.Format == RestoreSourceFormat.DirectoryTar)
            {
                start.Arguments.AddRange(["-F", "d"]);
            }

            start.Arguments.Add(copy.Path);
            await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
            return;
        }

        start.Arguments.AddRange(["-F", "c"]);
        await using var tool = ToolProcess.Start(start);
        await StreamIntoAsync(tool, source, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores into a scratch database every definition that tables need (the pre-data section: types, domains, functions,
    /// tables, without indexes, constraints or triggers) and the rows of one table, from a verified local copy.
    /// </summary>
    /// <exception cref="ExternalToolException">pg_restore failed.</exception>
    internal async Task RestoreTableIntoScratchAsync(LocalBackupCopy copy, RestoreSource source, string scratchConnectionString, string scratchDatabase, TableName table, CancellationToken cancellationToken)
    {
        foreach (var arguments in new[] { new[] { "--section=pre-data" }, ["--data-only", "-n", table.Schema, "-t", table.Name] })
        {
            var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", PostgreSqlOptions.ToolsDirectory));
            LibpqConnection.Apply(start, scratchConnectionString);
            start.Arguments.AddRange(["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "-d", LibpqConnection.DatabaseOnly(scratchDatabase)]);
            start.Arguments.AddRange(arguments);
            start.Arguments.AddRange(["-F", source.Format == RestoreSourceFormat.DirectoryTar ? "d" : "c", copy.Path]);
            await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
        }
    }
}
