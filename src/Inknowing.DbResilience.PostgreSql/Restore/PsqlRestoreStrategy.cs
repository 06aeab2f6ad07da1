using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>Restores plain-SQL backups whole by streaming them, verified, into psql with ON_ERROR_STOP.</summary>
internal sealed class PsqlRestoreStrategy(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PsqlRestoreStrategy> logger) : LogicalRestoreStrategy(postgreSqlOptions, restoreOptions, timeProvider, logger)
{
    public override string Name => "psql";

    protected override string ToolName => "psql";

    public override bool CanRestore(RestoreSource source, RestoreRequest request) => source.Format == RestoreSourceFormat.Plain;

    protected override bool NeedsLocalCopy(RestoreSource source, RestoreRequest request) => false;

    protected override async Task RunToolAsync(RestoreSource source, RestoreRequest request, LocalBackupCopy? copy, string targetConnectionString, bool overExisting, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("psql", PostgreSqlOptions.ToolsDirectory)) { RedirectStandardInput = true };
        LibpqConnection.Apply(start, targetConnectionString);
        start.Arguments.AddRange(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", LibpqConnection.DatabaseOnly(request.TargetDatabase), "-f", "-"]);
        await using var tool = ToolProcess.Start(start);
        await StreamIntoAsync(tool, source, cancellationToken).ConfigureAwait(false);
    }
}
