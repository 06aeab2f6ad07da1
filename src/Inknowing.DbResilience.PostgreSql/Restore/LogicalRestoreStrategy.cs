using System.Globalization;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// The flow every logical restore shares: refuse an existing target without force, verify the SHA-256 before anything
/// is changed, replace or create the target, run the tool, and drop a target it created if the tool fails.
/// </summary>
internal abstract class LogicalRestoreStrategy(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    TimeProvider timeProvider,
    ILogger logger) : IRestoreStrategy
{
    public abstract string Name { get; }

    protected PostgreSqlOptions PostgreSqlOptions => postgreSqlOptions.Value;

    protected RestoreOptions RestoreOptions => restoreOptions.Value;

    public abstract bool CanRestore(RestoreSource source, RestoreRequest request);

    public async Task<RestoreResult> RestoreAsync(RestoreSource source, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        RestoreChecks.Validate(source, request);
        var startedAt = timeProvider.GetUtcNow();
        var started = timeProvider.GetTimestamp();
        var server = request.TargetConnectionString is { Length: > 0 } given
            ? given
            : throw new ArgumentException($"RestoreRequest.TargetConnectionString is empty: set the server to restore backup {source.BackupId} into (IRestoreService sets the configured one).", nameof(request));
        var admin = new DatabaseAdmin(server, RestoreOptions.MaintenanceDatabase);
        var target = request.TargetDatabase;
        await EnsureToolFitsServerAsync(admin, source, cancellationToken).ConfigureAwait(false);
        var exists = await admin.ExistsAsync(target, cancellationToken).ConfigureAwait(false);
        var selective = RestoreChecks.IsSelective(request);
        if (exists && !request.Force)
        {
            throw new RestoreException(
                $"Database '{target}' already exists; restoring backup {source.BackupId} over it needs force (--force), which "
                + (selective ? "drops and recreates the selected objects" : "drops the whole database and creates it again")
                + ". Or choose another --target-database. Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }

        if (!exists && request.DataOnly)
        {
            throw new RestoreException($"A data-only restore loads rows into existing tables, but database '{target}' does not exist. Restore the schema first, or drop --data-only. Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }

        Log.RestoreStarting(logger, source.BackupId, target, request.Jobs);
        LocalBackupCopy? copy = null;
        long bytesRead;
        if (NeedsLocalCopy(source, request))
        {
            copy = await LocalBackupCopy.CreateAsync(source, RestoreOptions.TempDirectory, cancellationToken).ConfigureAwait(false);
            bytesRead = copy.BytesRead;
        }
        else
        {
            bytesRead = await RestoreChecks.VerifyByReadingAsync(source, cancellationToken).ConfigureAwait(false);
        }

        var verification = timeProvider.GetElapsedTime(started);
        await using (copy)
        {
            if (request.RestoreGlobals)
            {
                await RestoreGlobalsAsync(source, server, cancellationToken).ConfigureAwait(false);
            }

            var replace = exists && !selective;

            // A scratch database of this process (a restore test's, created and marked before the restore) keeps its owner
            // record through the drop and create, and after the restored database properties (which may hold a comment), so
            // that a killed run's copy is still dropped by the next.
            var scratch = replace && await admin.IsOwnScratchAsync(target, cancellationToken).ConfigureAwait(false);
            if (replace)
            {
                await admin.DropAsync(target, cancellationToken).ConfigureAwait(false);
            }

            var created = replace || !exists;
            if (created)
            {
                await admin.CreateAsync(target, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (scratch)
                {
                    await admin.MarkScratchAsync(target, cancellationToken).ConfigureAwait(false);
                }

                if (!request.DataOnly)
                {
                    await CreateSchemasAsync(source.SchemasToCreate, admin.ConnectionStringFor(target), cancellationToken).ConfigureAwait(false);
                }

                await RunToolAsync(source, request, copy, admin.ConnectionStringFor(target), selective && exists, cancellationToken).ConfigureAwait(false);
                if (scratch)
                {
                    await admin.MarkScratchAsync(target, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (created && ex is ExternalToolException or RestoreException or IOException or OperationCanceledException)
            {
                await admin.DropAsync(target, CancellationToken.None).ConfigureAwait(false);
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                throw new RestoreException(
                    $"Restore of backup {source.BackupId} into '{target}' failed, and the half-restored database was dropped: {ex.Message}", ex)
                {
                    BackupId = source.BackupId,
                };
            }

            var result = new RestoreResult
            {
                BackupId = source.BackupId,
                TargetDatabase = target,
                Strategy = Name,
                StartedAt = startedAt,
                Duration = timeProvider.GetElapsedTime(started),
                VerificationDuration = verification,
                Sha256 = source.Sha256.ToLowerInvariant(),
                BytesRead = bytesRead,
                Jobs = copy is null ? 1 : request.Jobs,
                ReplacedExisting = exists,
            };
            Log.RestoreCompleted(logger, source.BackupId, target, result.Duration.TotalSeconds);
            return result;
        }
    }

    /// <summary>
    /// Creates the schemas the target lacks, owned by the restoring role (their comments and privileges are not restored):
    /// pg_restore's <c>-n</c> selects a schema's objects but not the schema, and a backup of chosen tables has no schemas.
    /// </summary>
    protected static async Task CreateSchemasAsync(IEnumerable<string> schemas, string targetConnectionString, CancellationToken cancellationToken)
    {
        var statements = string.Concat(schemas.Select(s => $"CREATE SCHEMA IF NOT EXISTS {TableName.QuoteIdentifier(s)};"));
        if (statements.Length == 0)
        {
            return;
        }

        await using var connection = await PostgreSqlConnections.OpenAsync(targetConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = new Npgsql.NpgsqlCommand(statements, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the client tool that restores (pg_restore or psql), checked against the target server before anything changes.</summary>
    protected abstract string ToolName { get; }

    /// <summary>Tells whether the bytes must be landed in a local file first (parallel jobs, directory format).</summary>
    protected abstract bool NeedsLocalCopy(RestoreSource source, RestoreRequest request);

    /// <summary>Runs the tool into the target database, from the local copy or streaming the source into its standard input.</summary>
    protected abstract Task RunToolAsync(RestoreSource source, RestoreRequest request, LocalBackupCopy? copy, string targetConnectionString, bool overExisting, CancellationToken cancellationToken);

    /// <summary>Refuses, with nothing changed, a target server outside the supported majors or a restore tool older than it.</summary>
    private async Task EnsureToolFitsServerAsync(DatabaseAdmin admin, RestoreSource source, CancellationToken cancellationToken)
    {
        var serverVersion = await admin.GetServerVersionAsync(cancellationToken).ConfigureAwait(false);
        var tool = ToolLocator.FindClientTool(ToolName, PostgreSqlOptions.ToolsDirectory);
        var problem = PostgreSqlVersions.ServerProblem(serverVersion, "restore into it")
            ?? PostgreSqlVersions.ToolProblem(tool, await ToolLocator.GetVersionAsync(tool, cancellationToken).ConfigureAwait(false), serverVersion);
        if (problem is not null)
        {
            throw new RestoreException($"Backup {source.BackupId} was not restored: {problem} Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }
    }

    /// <summary>Streams the source (hashed again, then decoded) into the tool's standard input and waits for it to succeed.</summary>
    /// <exception cref="RestoreException">The bytes changed since they were verified.</exception>
    /// <exception cref="ExternalToolException">The tool failed.</exception>
    protected static async Task StreamIntoAsync(ToolProcess tool, RestoreSource source, CancellationToken cancellationToken)
    {
        string sha256;
        long bytesRead;
        await using (var hashing = RestoreChecks.Hashing(await source.OpenAsync(cancellationToken).ConfigureAwait(false)))
        {
            try
            {
                var decoded = source.Decode is { } decode ? decode(hashing) : hashing;
                await decoded.CopyToAsync(tool.StandardInput, 1 << 16, cancellationToken).ConfigureAwait(false);
                await tool.StandardInput.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The tool closed its input early: it failed, and its exit code and standard error say why.
                await tool.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                throw;
            }

            sha256 = await RestoreChecks.FinishAsync(hashing, cancellationToken).ConfigureAwait(false);
            bytesRead = hashing.BytesRead;
        }

        await tool.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        RestoreChecks.EnsureChecksum(source, sha256, bytesRead);
    }

    private async Task RestoreGlobalsAsync(RestoreSource source, string server, CancellationToken cancellationToken)
    {
        var globals = source.Globals ?? throw new RestoreException(
            $"Backup {source.BackupId} has no globals (roles, tablespaces) to restore; drop the roles option or take backups with globals. Nothing was changed.")
        {
            BackupId = source.BackupId,
            NothingChanged = true,
        };
        await RestoreChecks.VerifyByReadingAsync(globals, cancellationToken).ConfigureAwait(false);
        var start = new ToolStartInfo(ToolLocator.FindClientTool("psql", PostgreSqlOptions.ToolsDirectory)) { RedirectStandardInput = true };
        LibpqConnection.Apply(start, server);

        // Roles that already exist make CREATE ROLE fail; that is expected, so psql carries on (ON_ERROR_STOP=0).
        start.Arguments.AddRange(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", LibpqConnection.DatabaseOnly(RestoreOptions.MaintenanceDatabase), "-f", "-"]);
        await using var tool = ToolProcess.Start(start);
        await StreamIntoAsync(tool, globals, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Formats a job count for messages.</summary>
    protected static string Jobs(int jobs) => jobs.ToString(CultureInfo.InvariantCulture);
}
