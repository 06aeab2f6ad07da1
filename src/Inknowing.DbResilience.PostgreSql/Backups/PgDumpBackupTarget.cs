using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>
/// Logical backups with pg_dump: custom and plain formats stream from pg_dump's standard output; the directory format is
/// dumped with several jobs into a temporary directory and streamed as a tar. Row counts are taken in the very snapshot
/// that pg_dump dumps (<c>pg_export_snapshot</c> + <c>--snapshot</c>). The rows of the library's own catalog tables
/// (<c>backup_history</c>, <c>recovery_history</c>) are left out: the backup's own catalog row is half-written when the
/// snapshot is taken, and storage manifests, not those rows, are the source of truth.
/// </summary>
/// <remarks>
/// Why one file of about 550 lines: the three formats, the globals and the archive check share one snapshot, one connection
/// and one way of running pg_dump and pg_restore; each part is short, and they change together when PostgreSQL's tools do.
/// </remarks>
internal sealed class PgDumpBackupTarget(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<BackupOptions> backupOptions,
    IOptions<RestoreOptions> restoreOptions,
    IOptions<DbResilienceOptions> libraryOptions,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PgDumpBackupTarget> logger) : IBackupTarget
{
    private const string TableQuery = """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, 2
        """;

    /// <summary>The newest pg_dump whose custom-format archive <see cref="CustomArchiveCompressor"/> understands.</summary>
    internal const int MaxStreamingCompressorMajor = 18;

    public string Name => "pg_dump";

    public async Task<BackupTargetResult> BackupAsync(BackupTargetRequest request, IBackupFileSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(sink);
        var connectionString = new NpgsqlConnectionStringBuilder(postgreSqlOptions.Value.ConnectionString);
        var pgDump = ToolLocator.FindClientTool("pg_dump", postgreSqlOptions.Value.ToolsDirectory);
        var toolVersion = await ToolLocator.GetVersionAsync(pgDump, cancellationToken).ConfigureAwait(false);

        await using var connection = await OpenAsync(dataSource, connectionString, cancellationToken).ConfigureAwait(false);
        var serverVersion = connection.PostgreSqlVersion;
        PostgreSqlVersions.EnsureServerSupported(serverVersion, "back it up");
        PostgreSqlVersions.EnsureToolNotOlderThanServer(pgDump, toolVersion, serverVersion);

        var database = connection.Database;
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var snapshot = await ExportSnapshotAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

        var start = new ToolStartInfo(pgDump);
        LibpqConnection.Apply(start, connectionString);
        start.Arguments.Add("--dbname=" + database);
        if (snapshot is not null)
        {
            start.Arguments.Add("--snapshot=" + snapshot);
        }

        var content = WithCatalogDataExcluded(request.Content);
        AddContentArguments(start.Arguments, content);
        ScratchDirectory? dumpDirectory = null;
        string? directory = null;
        using var compressor = request.Format == BackupFormat.Custom && request.ArchiveCompressionLevel > 0 && toolVersion.Major is >= 11 and <= MaxStreamingCompressorMajor
            ? new CustomArchiveCompressor(request.ArchiveCompressionLevel)
            : null;
        switch (request.Format)
        {
            case BackupFormat.Custom:
                start.Arguments.Add("--format=custom");
                if (compressor is not null)
                {
                    start.Arguments.Add("--compress=0");
                }

                break;
            case BackupFormat.Plain:
                start.Arguments.Add("--format=plain");
                break;
            case BackupFormat.Directory:
                // pg_dump creates the directory itself (0700) and refuses an existing one.
                dumpDirectory = ScratchDirectory.Reserve("dump", create: false);
                directory = dumpDirectory.Path;
                start.Arguments.Add("--format=directory");
                start.Arguments.Add("--jobs=" + request.Content.Jobs.ToString(CultureInfo.InvariantCulture));
                start.Arguments.Add("--file=" + directory);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Format, "Unknown backup format.");
        }

        Log.Starting(logger, request.Id.Value, pgDump, toolVersion);
        var tables = request.CountRows ? await ListTablesAsync(connection, content, cancellationToken).ConfigureAwait(false) : [];
        IReadOnlyList<BackupTableRowCount> counts = [];
        string? rowCountSource = null;
        try
        {
            await using (var process = ToolProcess.Start(start))
            {
                // Tables whose rows are in a stream-compressed archive are counted from it; the others with count(*), concurrently.
                var counting = CountRowsAsync(connection, tables.Where(t => compressor is null || !t.DataIncluded), cancellationToken);
                try
                {
                    if (compressor is not null)
                    {
                        await StreamPump.PumpAsync(
                            async reader =>
                            {
                                await sink.WriteFileAsync("data.dump", BackupFileRole.Data, reader, cancellationToken).ConfigureAwait(false);
                                return true;
                            },
                            writer => RunCompressorAsync(compressor, process, writer, cancellationToken),
                            cancellationToken).ConfigureAwait(false);
                        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else if (directory is null)
                    {
                        await sink.WriteFileAsync(request.Format == BackupFormat.Plain ? "data.sql" : "data.dump", BackupFileRole.Data, process.StandardOutput, cancellationToken).ConfigureAwait(false);
                        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await process.StandardOutput.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                        await WriteTarAsync(directory, sink, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch
                {
                    // The count runs on the dump's connection: it must end before the transaction and the connection are
                    // disposed (a rollback under a running command), and its own error is not the one to report.
                    await counting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                    throw;
                }

                var counted = await counting.ConfigureAwait(false);
                if (request.CountRows)
                {
                    (counts, rowCountSource) = await MergeCountsAsync(connection, tables, counted, compressor?.RowCounts, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            dumpDirectory?.Dispose();
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (request.Content.IncludeGlobals)
        {
            await DumpGlobalsAsync(connectionString, database, sink, cancellationToken).ConfigureAwait(false);
        }

        return new BackupTargetResult
        {
            Database = database,
            ServerVersion = connection.ServerVersion,
            Tool = "pg_dump",
            ToolVersion = toolVersion.ToString(),
            Tables = counts,
            RowCountSource = rowCountSource,
            DumpCompression = DescribeDumpCompression(request, compressor is not null, toolVersion),
        };
    }

    public async Task<string> CheckReadableAsync(BackupManifest manifest, BackupFile file, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(content);
        switch (manifest.Format)
        {
            case BackupFormat.Plain:
                return await CheckPlainAsync(content, cancellationToken).ConfigureAwait(false);
            case BackupFormat.Directory:
                using (var directory = await ExtractAsync(manifest, content, cancellationToken).ConfigureAwait(false))
                {
                    return Summarize(await ListArchiveAsync(directory.Path, null, cancellationToken).ConfigureAwait(false));
                }

            default:
                return Summarize(await ListArchiveAsync(null, content, cancellationToken).ConfigureAwait(false));
        }
    }

    public async Task<IReadOnlyList<BackupTableRowCount>> RestoreTestAsync(BackupManifest manifest, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(content);
        if (manifest.Content.DataOnly)
        {
            throw new BackupException(manifest.Id, "a data-only backup cannot be restored into an empty scratch database: the restore test needs a backup with the schema.", null);
        }

        var maintenance = new NpgsqlConnectionStringBuilder(backupOptions.Value.ScratchConnectionString
            ?? new NpgsqlConnectionStringBuilder(postgreSqlOptions.Value.ConnectionString) { Database = "postgres" }.ConnectionString)
        {
            Pooling = false,
        };
        var scratch = "dbresilience_verify_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        foreach (var abandoned in await ScratchDatabase.CreateAsync(maintenance.ConnectionString, scratch, null, cancellationToken).ConfigureAwait(false))
        {
            Log.AbandonedScratchDatabaseDropped(logger, abandoned);
        }

        var target = new NpgsqlConnectionStringBuilder(maintenance.ConnectionString) { Database = scratch };
        ScratchDirectory? directory = null;
        try
        {
            if (manifest.Content.Tables.Count > 0)
            {
                // pg_dump --table dumps the tables but not their schemas: create them, as a restore into an existing database would find them.
                var schemas = manifest.Tables.Where(t => t.DataIncluded && t.Schema != "public").Select(t => t.Schema).Distinct(StringComparer.Ordinal).ToList();
                if (schemas.Count > 0)
                {
                    await ExecuteAsync(target, string.Concat(schemas.Select(s => $"CREATE SCHEMA IF NOT EXISTS {TableName.QuoteIdentifier(s)};")), cancellationToken).ConfigureAwait(false);
                }
            }

            ToolStartInfo start;
            if (manifest.Format == BackupFormat.Plain)
            {
                start = new ToolStartInfo(ToolLocator.FindClientTool("psql", postgreSqlOptions.Value.ToolsDirectory));
                LibpqConnection.Apply(start, target);
                start.Arguments.AddRange(["--dbname=" + scratch, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-"]);
            }
            else
            {
                start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", postgreSqlOptions.Value.ToolsDirectory));
                LibpqConnection.Apply(start, target);
                start.Arguments.AddRange(["--dbname=" + scratch, "--no-owner", "--no-acl", "--exit-on-error"]);
                if (manifest.Format == BackupFormat.Directory)
                {
                    directory = await ExtractAsync(manifest, content, cancellationToken).ConfigureAwait(false);
                    start.Arguments.Add("--jobs=" + Math.Max(1, manifest.Content.Jobs).ToString(CultureInfo.InvariantCulture));
                    start.Arguments.Add(directory.Path);
                }
            }

            start.RedirectStandardInput = directory is null;
            await RunWithInputAsync(start, directory is null ? content : null, cancellationToken).ConfigureAwait(false);

            await using var connection = new NpgsqlConnection(target.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await CountRowsAsync(connection, new BackupContentOptions(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            directory?.Dispose();

            await ScratchDatabase.DropAsync(maintenance.ConnectionString, scratch, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds the library's catalog tables to the tables whose rows are left out: their structure stays in the dump, their rows
    /// are rebuilt from the manifests in storage (<see cref="IBackupService.RebuildCatalogAsync"/>).
    /// </summary>
    internal BackupContentOptions WithCatalogDataExcluded(BackupContentOptions content)
    {
        var patterns = new List<string>();
        if (backupOptions.Value.EnableCatalog)
        {
            patterns.Add(ExactPattern(libraryOptions.Value.Schema, backupOptions.Value.CatalogTable));
        }

        if (restoreOptions.Value.RecordHistory)
        {
            patterns.Add(ExactPattern(libraryOptions.Value.Schema, RecoveryHistory.Table));
        }

        return content with { ExcludeTableData = [.. content.ExcludeTableData, .. patterns.Except(content.ExcludeTableData, StringComparer.Ordinal)] };
    }

    /// <summary>A pg_dump pattern that matches exactly one table, whatever its spelling: both parts double-quoted.</summary>
    internal static string ExactPattern(string schema, string table)
        => "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\".\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static void AddContentArguments(List<string> arguments, BackupContentOptions content)
    {
        if (content.SchemaOnly)
        {
            arguments.Add("--schema-only");
        }

        if (content.DataOnly)
        {
            arguments.Add("--data-only");
        }

        arguments.AddRange(content.Schemas.Select(s => "--schema=" + s));
        arguments.AddRange(content.Tables.Select(t => "--table=" + t));
        arguments.AddRange(content.ExcludeTableData.Select(t => "--exclude-table-data=" + t));
    }

    internal static bool IsDataIncluded(string schema, string table, BackupContentOptions content)
    {
        if (content.SchemaOnly)
        {
            return false;
        }

        if (content.Tables.Count > 0)
        {
            if (!content.Tables.Any(p => PgDumpPattern.Parse(p).MatchesTable(schema, table)))
            {
                return false;
            }
        }
        else if (content.Schemas.Count > 0 && !content.Schemas.Any(p => PgDumpPattern.Parse(p, schemaOnlyPattern: true).MatchesSchema(schema)))
        {
            return false;
        }

        return !content.ExcludeTableData.Any(p => PgDumpPattern.Parse(p).MatchesTable(schema, table));
    }

    /// <summary>Says in the manifest how the dump itself is compressed, and why when the streaming compressor could not be used.</summary>
    private static string DescribeDumpCompression(BackupTargetRequest request, bool streamed, Version toolVersion)
    {
        if (streamed)
        {
            return string.Create(CultureInfo.InvariantCulture, $"zlib level {request.ArchiveCompressionLevel}, by dbresilience while streaming pg_dump --compress=0");
        }

        if (request.Format == BackupFormat.Plain)
        {
            return "none";
        }

        return request.Format == BackupFormat.Custom && request.ArchiveCompressionLevel > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"pg_dump's default (gzip level 6): the streaming compressor knows the archives of pg_dump 11 to {MaxStreamingCompressorMajor}, not of pg_dump {toolVersion.Major}")
            : "pg_dump's default (gzip level 6)";
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new DbResilienceException(
                $"Could not connect to PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}', as '{target.Username}' to back it up: {ex.Message}", ex);
        }
    }

    private static async Task<string?> ExportSnapshotAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END", connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static async Task<List<BackupTableRowCount>> ListTablesAsync(NpgsqlConnection connection, BackupContentOptions content, CancellationToken cancellationToken)
    {
        var tables = new List<BackupTableRowCount>();
        await using var command = new NpgsqlCommand(TableQuery, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (schema, name) = (reader.GetString(0), reader.GetString(1));
            tables.Add(new BackupTableRowCount { Schema = schema, Name = name, Rows = -1, DataIncluded = IsDataIncluded(schema, name, content) });
        }

        return tables;
    }

    private static async Task<IReadOnlyList<BackupTableRowCount>> CountRowsAsync(NpgsqlConnection connection, BackupContentOptions content, CancellationToken cancellationToken)
        => await CountRowsAsync(connection, await ListTablesAsync(connection, content, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private static async Task<IReadOnlyList<BackupTableRowCount>> CountRowsAsync(NpgsqlConnection connection, IEnumerable<BackupTableRowCount> tables, CancellationToken cancellationToken)
    {
        var counts = new List<BackupTableRowCount>();
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM ONLY {TableName.QuoteIdentifier(table.Schema)}.{TableName.QuoteIdentifier(table.Name)}", connection);
            counts.Add(table with { Rows = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! });
        }

        return counts;
    }

    /// <summary>Takes each table's count from the archive when it has one, else from count(*) (already run, or run now in the same snapshot).</summary>
    private static async Task<(IReadOnlyList<BackupTableRowCount> Counts, string Source)> MergeCountsAsync(
        NpgsqlConnection connection,
        List<BackupTableRowCount> tables,
        IReadOnlyList<BackupTableRowCount> counted,
        IReadOnlyDictionary<(string Schema, string Name), long>? fromArchive,
        CancellationToken cancellationToken)
    {
        if (fromArchive is null)
        {
            return (counted, "count");
        }

        var byName = counted.ToDictionary(t => (t.Schema, t.Name));
        var missing = tables.Where(t => !byName.ContainsKey((t.Schema, t.Name)) && !fromArchive.ContainsKey((t.Schema, t.Name))).ToList();
        foreach (var table in await CountRowsAsync(connection, missing, cancellationToken).ConfigureAwait(false))
        {
            byName[(table.Schema, table.Name)] = table;
        }

        var counts = tables
            .Select(t => fromArchive.TryGetValue((t.Schema, t.Name), out var rows) && t.DataIncluded ? t with { Rows = rows } : byName.GetValueOrDefault((t.Schema, t.Name)) ?? t)
            .ToList();
        return (counts, missing.Any(t => t.DataIncluded) ? "archive+count" : "archive");
    }

    private static async Task RunCompressorAsync(CustomArchiveCompressor compressor, ToolProcess process, Stream writer, CancellationToken cancellationToken)
    {
        // The compressor reads with blocking calls: cancelling kills pg_dump, which ends a read that waits.
        using var kill = cancellationToken.Register(process.Kill);
        try
        {
            await compressor.RunAsync(process.StandardOutput, writer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            // pg_dump's own error (such as a missing table) explains a cut-off archive better than the reader does.
            await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            throw new ExternalToolException("pg_dump's custom-format archive could not be compressed while streaming: " + ex.Message, ex);
        }
    }


    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task<bool> WriteTarAsync(string directory, IBackupFileSink sink, CancellationToken cancellationToken)
        => StreamPump.PumpAsync(
            async reader =>
            {
                await sink.WriteFileAsync("data.tar", BackupFileRole.Data, reader, cancellationToken).ConfigureAwait(false);
                return true;
            },
            async writer =>
            {
                await using var tar = new TarWriter(writer, TarEntryFormat.Pax, leaveOpen: true);
                foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                {
                    await tar.WriteEntryAsync(file, Path.GetFileName(file), cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);

    private static async Task<ScratchDirectory> ExtractAsync(BackupManifest manifest, Stream content, CancellationToken cancellationToken)
    {
        var scratch = ScratchDirectory.Reserve("restore");
        var directory = scratch.Path;
        try
        {
            await using var reader = new TarReader(content, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || name != entry.Name || name.Length == 0)
                {
                    throw new BackupException(manifest.Id, $"the tar of the directory dump holds an unexpected entry '{entry.Name}'.", null);
                }

                // 0600 whatever mode the tar entry carries: the extracted dump is the database's data.
                var file = PrivateFiles.CreateFile(Path.Combine(directory, name), FileMode.Create, FileOptions.Asynchronous, 1 << 16);
                await using (file.ConfigureAwait(false))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, 1 << 16, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // Read to the end so that the content's SHA-256 is checked.
            await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            return scratch;
        }
        catch
        {
            // A damaged tar, a checksum mismatch or a cancellation: the half-extracted dump goes too.
            scratch.Dispose();
            throw;
        }
    }

    private static string Summarize(string listing)
    {
        var entries = listing.Split('\n').Count(l => l.Length > 0 && !l.StartsWith(';'));
        var dataEntries = listing.Split('\n').Count(l => l.Contains(" TABLE DATA ", StringComparison.Ordinal));
        return string.Create(CultureInfo.InvariantCulture, $"pg_restore --list read {entries} entries ({dataEntries} with table data)");
    }

    private static async Task<string> CheckPlainAsync(Stream content, CancellationToken cancellationToken)
    {
        var head = new byte[4096];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var tail = new byte[4096];
        var tailLength = 0;
        var total = (long)headLength;
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            var keep = Math.Min(tail.Length, read);
            var shift = Math.Min(tailLength, tail.Length - keep);
            Buffer.BlockCopy(tail, tailLength - shift, tail, 0, shift);
            Buffer.BlockCopy(buffer, read - keep, tail, shift, keep);
            tailLength = shift + keep;
        }

        var start = Encoding.UTF8.GetString(head, 0, headLength);
        var end = tailLength > 0 ? Encoding.UTF8.GetString(tail, 0, tailLength) : start;
        if (!start.Contains("-- PostgreSQL database dump", StringComparison.Ordinal) || !end.Contains("-- PostgreSQL database dump complete", StringComparison.Ordinal))
        {
            throw new DbResilienceException("The plain SQL dump does not start with pg_dump's header or does not end with '-- PostgreSQL database dump complete': it is truncated or not a pg_dump script.");
        }

        return string.Create(CultureInfo.InvariantCulture, $"plain SQL script of {total} bytes, complete");
    }

    private async Task<string> ListArchiveAsync(string? directory, Stream? content, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", postgreSqlOptions.Value.ToolsDirectory));
        start.Arguments.Add("--list");
        if (directory is not null)
        {
            start.Arguments.Add(directory);
        }

        start.RedirectStandardInput = content is not null;
        return await RunWithInputAsync(start, content, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> RunWithInputAsync(ToolStartInfo start, Stream? input, CancellationToken cancellationToken)
    {
        await using var process = ToolProcess.Start(start);
        var output = Task.Run(async () =>
        {
            using var reader = new StreamReader(process.StandardOutput, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
        if (input is not null)
        {
            try
            {
                await input.CopyToAsync(process.StandardInput, 256 * 1024, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The tool stopped reading (it has what it needs, or it failed): its exit code tells which.
            }
            finally
            {
                try
                {
                    await process.StandardInput.DisposeAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // Already closed by the tool.
                }
            }
        }

        var text = await output.ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        return text;
    }

    private async Task DumpGlobalsAsync(NpgsqlConnectionStringBuilder connectionString, string database, IBackupFileSink sink, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_dumpall", postgreSqlOptions.Value.ToolsDirectory));
        LibpqConnection.Apply(start, connectionString);
        start.Arguments.Add("--database=" + database);
        start.Arguments.Add("--globals-only");
        await using var process = ToolProcess.Start(start);
        await sink.WriteFileAsync("globals.sql", BackupFileRole.Globals, process.StandardOutput, cancellationToken).ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
    }
}
