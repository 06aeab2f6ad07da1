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
internal sealed partial class PgRestoreStrategy(
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

        var selectedSchemas = request.Schemas.Concat(request.Tables.Select(t => t.Schema)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var schema in selectedSchemas)
        {
            start.Arguments.AddRange(["-n", schema]);
        }

        if (selectedSchemas.Count > 0 && !request.DataOnly)
        {
            // A schema the manifest does not list is left alone, so that the check after the restore still sees it missing.
            var held = source.Tables.Select(t => t.Schema).ToHashSet(StringComparer.Ordinal);
            await CreateSchemasAsync(selectedSchemas.Where(s => source.Tables.Count == 0 || held.Contains(s)), targetConnectionString, cancellationToken).ConfigureAwait(false);
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

            if (request.Jobs > 1 && !overExisting)
            {
                await RunInParallelAsync(start, source, copy, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                start.Arguments.Add(copy.Path);
                await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            start.Arguments.AddRange(["-F", "c"]);
            await using var tool = ToolProcess.Start(start);
            await StreamIntoAsync(tool, source, cancellationToken).ConfigureAwait(false);
        }

        if (!overExisting)
        {
            await EnsureSelectionRestoredAsync(source, request, targetConnectionString, cancellationToken).ConfigureAwait(false);
        }

        if (!RestoreChecks.IsSelective(request) && !request.SkipDatabaseProperties)
        {
            await RestoreDatabasePropertiesAsync(source, request, copy, targetConnectionString, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a parallel pg_restore in three passes: everything but the partition-index attachments and the foreign keys with
    /// every job; the attachments one at a time; then the foreign keys with every job. Two workers that attach partition
    /// indexes to the same multi-level partitioned index at once each miss the other's uncommitted attachment, so the
    /// parent index (a partitioned primary key) can stay invalid for good, and a foreign key that references it then
    /// fails with "there is no unique constraint matching given keys". Attaching is a catalog change, quick even one by one.
    /// </summary>
    /// <exception cref="ExternalToolException">pg_restore failed.</exception>
    private static async Task RunInParallelAsync(ToolStartInfo start, RestoreSource source, LocalBackupCopy copy, CancellationToken cancellationToken)
    {
        var list = new ToolStartInfo(start.FileName);
        list.Arguments.AddRange(["--list", "-F", source.Format == RestoreSourceFormat.DirectoryTar ? "d" : "c", copy.Path]);
        var entries = (await ToolProcess.RunAsync(list, cancellationToken).ConfigureAwait(false)).Split('\n');
        var kinds = entries.Select(e => IndexAttachEntry().IsMatch(e) ? 1 : ForeignKeyEntry().IsMatch(e) ? 2 : 0).ToArray();
        if (!kinds.Any(k => k != 0))
        {
            start.Arguments.Add(copy.Path);
            await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
            return;
        }

        var directory = Path.GetDirectoryName(copy.Path)!;
        foreach (var kind in Enumerable.Range(0, 3).Where(k => kinds.Contains(k)))
        {
            // A list for pg_restore -L: the entries of the other passes are commented out.
            var file = Path.Combine(directory, "pass" + kind.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".list");
            await File.WriteAllLinesAsync(file, entries.Select((e, i) => kinds[i] == kind ? e : ";" + e), cancellationToken).ConfigureAwait(false);
            var pass = new ToolStartInfo(start.FileName);
            foreach (var (key, value) in start.Environment)
            {
                pass.Environment[key] = value;
            }

            pass.Secrets.AddRange(start.Secrets);
            pass.Arguments.AddRange(start.Arguments);
            if (kind == 1)
            {
                pass.Arguments[pass.Arguments.IndexOf("-j") + 1] = "1";
            }

            pass.Arguments.AddRange(["-L", file, copy.Path]);
            await ToolProcess.RunAsync(pass, cancellationToken).ConfigureAwait(false);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+; \d+ \d+ INDEX ATTACH ", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IndexAttachEntry();

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+; \d+ \d+ FK CONSTRAINT ", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ForeignKeyEntry();

    /// <summary>
    /// Brings back the database's own settings, comment, owner and privileges onto the target. pg_dump stores them in
    /// every archive, but pg_restore writes them only with <c>--create</c>, which would create the database under its
    /// original name with the source's locale; so pg_restore prints them as SQL (<c>--create</c> with a schema filter
    /// that matches nothing keeps only the database's entries) and they are applied to the target under its own name,
    /// after the rows, so that a setting such as <c>default_transaction_read_only</c> cannot get in the restore's way.
    /// </summary>
    /// <exception cref="RestoreException">A property could not be applied (a missing role, for example).</exception>
    private async Task RestoreDatabasePropertiesAsync(RestoreSource source, RestoreRequest request, LocalBackupCopy? copy, string targetConnectionString, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", PostgreSqlOptions.ToolsDirectory)) { RedirectStandardInput = copy is null };
        start.Arguments.AddRange(["--create", "--schema-only", "-n", "dbresilience_no_schema_" + Guid.NewGuid().ToString("N"), "-f", "-"]);
        if (request.SkipOwnership)
        {
            start.Arguments.AddRange(["--no-owner", "--no-privileges"]);
        }

        start.Arguments.AddRange(["-F", source.Format == RestoreSourceFormat.DirectoryTar ? "d" : "c"]);
        string script;
        if (copy is not null)
        {
            start.Arguments.Add(copy.Path);
            script = await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The archive's table of contents is at its start: pg_restore stops reading once it has it.
            await using var tool = ToolProcess.Start(start);
            var output = ReadAllAsync(tool.StandardOutput, cancellationToken);
            await using (var stored = await source.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                var decoded = source.Decode is { } decode ? decode(stored) : stored;
                try
                {
                    await decoded.CopyToAsync(tool.StandardInput, 1 << 16, cancellationToken).ConfigureAwait(false);
                    await tool.StandardInput.DisposeAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // pg_restore closed its input once it had read what it needed; its exit code says whether it succeeded.
                }
            }

            script = await output.ConfigureAwait(false);
            await tool.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        }

        var statements = DatabaseProperties.ForTarget(script, request.TargetDatabase, keepRoleSettings: !request.SkipOwnership);
        if (statements.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = await PostgreSqlConnections.OpenAsync(targetConnectionString, cancellationToken).ConfigureAwait(false);
            await using var command = new Npgsql.NpgsqlCommand(statements, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Npgsql.PostgresException ex)
        {
            throw new RestoreException(
                $"The database properties of backup {source.BackupId} (settings, comment, owner, privileges) could not be applied to '{request.TargetDatabase}': {ex.MessageText} (SQLSTATE {ex.SqlState}). "
                + "Create the backup's roles first (--roles), leave ownership and privileges out (--no-owner), or leave the database properties out (--no-database-properties).",
                ex)
            {
                BackupId = source.BackupId,
            };
        }
    }

    /// <summary>
    /// Refuses a selective restore into a new database that lacks a selected table, or a selected schema with something in
    /// it: pg_restore matches names exactly and restores nothing, successfully, for a name the backup does not hold.
    /// </summary>
    /// <exception cref="RestoreException">A selected table or schema is not in the restored database.</exception>
    private static async Task EnsureSelectionRestoredAsync(RestoreSource source, RestoreRequest request, string targetConnectionString, CancellationToken cancellationToken)
    {
        if (request.Tables.Count == 0 && request.Schemas.Count == 0)
        {
            return;
        }

        await using var connection = await PostgreSqlConnections.OpenAsync(targetConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT 'schema ' || quote_ident(s) FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = s "
            + "AND (EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = n.oid) OR EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = n.oid) OR EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = n.oid))) "
            + "UNION ALL SELECT 'table ' || quote_ident(t.n) || '.' || quote_ident(t.r) FROM unnest($2::text[], $3::text[]) t(n, r) "
            + "WHERE NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = t.n AND c.relname = t.r)",
            connection);
        command.Parameters.AddWithValue(request.Schemas.ToArray());
        command.Parameters.AddWithValue(request.Tables.Select(t => t.Schema).ToArray());
        command.Parameters.AddWithValue(request.Tables.Select(t => t.Name).ToArray());
        var missing = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                missing.Add(reader.GetString(0));
            }
        }

        if (missing.Count > 0)
        {
            throw new RestoreException(
                $"Backup {source.BackupId} holds no {string.Join(", no ", missing)}, so the selective restore would have restored nothing for it. "
                + "Give --table as SCHEMA.TABLE with double quotes around a part that has capitals, dots or spaces (public.\"Order Lines\"), "
                + "and --schema exactly as the schema is named, without quotes; 'pg_restore --list' of the backup shows its names.")
            {
                BackupId = source.BackupId,
            };
        }
    }

    private static async Task<string> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores into a scratch database every definition that tables need (the pre-data section: types, domains, functions,
    /// tables and their partitions and inheritance, without indexes, constraints or triggers), from a verified local copy.
    /// </summary>
    /// <exception cref="ExternalToolException">pg_restore failed.</exception>
    internal Task RestoreDefinitionsIntoScratchAsync(LocalBackupCopy copy, RestoreSource source, string scratchConnectionString, string scratchDatabase, CancellationToken cancellationToken)
        => RestoreIntoScratchAsync(copy, source, scratchConnectionString, scratchDatabase, ["--section=pre-data"], cancellationToken);

    /// <summary>Restores the rows of the given tables (each alone, not their partitions or children) into a scratch database that has their definitions.</summary>
    /// <exception cref="ExternalToolException">pg_restore failed.</exception>
    internal Task RestoreRowsIntoScratchAsync(LocalBackupCopy copy, RestoreSource source, string scratchConnectionString, string scratchDatabase, IReadOnlyCollection<TableName> tables, CancellationToken cancellationToken)
    {
        // pg_restore selects by schema and by name separately, so it may load a few more tables than asked; only the asked ones are read.
        var arguments = new List<string> { "--data-only" };
        foreach (var schema in tables.Select(t => t.Schema).Distinct(StringComparer.Ordinal))
        {
            arguments.AddRange(["-n", schema]);
        }

        foreach (var name in tables.Select(t => t.Name).Distinct(StringComparer.Ordinal))
        {
            arguments.AddRange(["-t", name]);
        }

        return tables.Count == 0 ? Task.CompletedTask : RestoreIntoScratchAsync(copy, source, scratchConnectionString, scratchDatabase, arguments, cancellationToken);
    }

    private async Task RestoreIntoScratchAsync(LocalBackupCopy copy, RestoreSource source, string scratchConnectionString, string scratchDatabase, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", PostgreSqlOptions.ToolsDirectory));
        LibpqConnection.Apply(start, scratchConnectionString);
        start.Arguments.AddRange(["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "-d", LibpqConnection.DatabaseOnly(scratchDatabase)]);
        start.Arguments.AddRange(arguments);
        start.Arguments.AddRange(["-F", source.Format == RestoreSourceFormat.DirectoryTar ? "d" : "c", copy.Path]);
        await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
    }
}
