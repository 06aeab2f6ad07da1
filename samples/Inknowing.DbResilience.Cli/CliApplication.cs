using System.CommandLine;
using System.Runtime.InteropServices;
using Inknowing.DbResilience.Cli.Commands;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;

namespace Inknowing.DbResilience.Cli;

/// <summary>The <c>dbresilience</c> command line: global options, verbs, and the mapping of failures to exit codes.</summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = CreateRootCommand();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + error.Message);
            }

            await Console.Error.WriteLineAsync("Run 'dbresilience --help' for usage.");
            return ExitCodes.UsageError;
        }

        // Ctrl+C (SIGINT) and SIGTERM cancel the command's token, and the command then cleans up (kills its child tools,
        // drops a half-restored database, removes its scratch files) however long that takes: System.CommandLine's own
        // handling would exit after two seconds, in the middle of that cleanup. A second signal exits at once.
        using var cancellation = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Cancel(context, cancellation));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Cancel(context, cancellation));
        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cancellation.Token);
    }

    /// <summary>Cancels the command on the first signal; lets a second one end the process as the signal's default does.</summary>
    private static void Cancel(PosixSignalContext context, CancellationTokenSource cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine("cancelling: cleaning up (send the signal again to exit at once)...");
        cancellation.Cancel();
    }

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "dbresilience: migrations, backups, restores and recovery drills for PostgreSQL.\n"
            + "Exit codes: 0 success, 1 the operation failed or found a problem, 2 usage or configuration error, 130 cancelled "
            + "(status --exit-code: 3 when versions are pending).");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(RollbackCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(AdoptCommand.Create());
        root.Subcommands.Add(BaselineCommand.Create());
        root.Subcommands.Add(BackupCommand.Create());
        root.Subcommands.Add(BackupsCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(PruneCommand.Create());
        root.Subcommands.Add(RestoreCommand.Create());
        root.Subcommands.Add(RestoreTableCommand.Create());
        root.Subcommands.Add(IntegrityCommand.Create());
        root.Subcommands.Add(DrillCommand.Create());
        root.Subcommands.Add(BaseBackupCommand.Create());
        root.Subcommands.Add(WalPushCommand.Create());
        root.Subcommands.Add(WalFetchCommand.Create());
        root.Subcommands.Add(WalReceiveCommand.Create());
        root.Subcommands.Add(PitrCommand.Create());
        root.Subcommands.Add(StorageCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    /// <summary>Wraps a command's work: maps configuration errors to exit 2, failures to 1, cancellation to 130.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Handle(Func<ParseResult, CancellationToken, Task<int>> action)
        => async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (DbResilienceConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.UsageError;
            }
            catch (Migrations.ForeignMigrationHistoryException ex)
            {
                // The configured schema holds another tool's tables: a configuration to change. Another tool's history
                // elsewhere: the database needs adopt or baseline first.
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ex.IsSchemaConflict ? ExitCodes.UsageError : ExitCodes.Failure;
            }
            catch (DbResilienceException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("cancelled.");
                return ExitCodes.Cancelled;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or UnauthorizedAccessException or TimeoutException)
            {
                // Not one of the library's own failures, but still an operation that failed: say what happened, exit 1, no stack trace.
                await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}");
                if (Environment.GetEnvironmentVariable("DBRESILIENCE_DEBUG") is "1" or "true")
                {
                    await Console.Error.WriteLineAsync(ex.ToString());
                }

                return ExitCodes.Failure;
            }
        };

    /// <summary>Builds the library from the global options (connection string, storages) as a host application would.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="configure">Adds what a verb needs besides (the scheduler, the health checks), or <see langword="null"/>.</param>
    /// <exception cref="DbResilienceConfigurationException">An option is missing or invalid.</exception>
    public static DbResilienceHost BuildHost(ParseResult parse, Action<DbResilienceBuilder>? configure = null)
    {
        var builder = NewBuilder(parse);
        var connection = GetConnection(parse);
        builder.UsePostgreSql(o => o.ConnectionString = connection);
        var storages = GetStorages(parse);
        AddStorages(builder, storages);

        // Backups are encrypted whenever a key is in DBRESILIENCE_BACKUP_KEY (never on the command line); the same key decrypts.
        // Without a storage (check, integrity) backups are not configured: a verb that needs them then exits 2 naming --storage.
        // With storage, point-in-time recovery too: verify and prune cover base backups and the WAL they need.
        if (storages.Count > 0)
        {
            builder.ConfigureBackups(o => o.Encrypt = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Backups.BackupOptions.EncryptionKeyVariable)));
            builder.EnablePointInTimeRecovery();
        }

        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>
    /// Starts a builder with the options every verb shares: the schema of the library's tables from <c>--library-schema</c>
    /// (or a migration verb's <c>--schema</c>), else <c>DBRESILIENCE_SCHEMA</c>, else the default.
    /// </summary>
    public static DbResilienceBuilder NewBuilder(ParseResult parse, string? schema = null)
    {
        schema ??= parse.GetValue(GlobalOptions.LibrarySchema) ?? Environment.GetEnvironmentVariable(GlobalOptions.SchemaVariable);
        return new DbResilienceBuilder().UseSchema(string.IsNullOrEmpty(schema) ? DbResilienceOptions.DefaultSchema : schema);
    }

    /// <summary>Reads <c>--connection</c>, or <c>DBRESILIENCE_CONNECTION</c> when it is not given.</summary>
    public static string? GetConnection(ParseResult parse)
        => parse.GetValue(GlobalOptions.Connection) ?? Environment.GetEnvironmentVariable(GlobalOptions.ConnectionVariable);

    /// <summary>Adds the storages to the builder: the first is the primary, the others are copies.</summary>
    public static void AddStorages(DbResilienceBuilder builder, IReadOnlyList<StorageUri> storages)
    {
        for (var i = 0; i < storages.Count; i++)
        {
            storages[i].AddTo(builder, primary: i == 0);
        }
    }

    /// <summary>Reads <c>--storage</c> values, or <c>DBRESILIENCE_STORAGE</c> when none is given.</summary>
    public static IReadOnlyList<StorageUri> GetStorages(ParseResult parse)
    {
        var values = parse.GetValue(GlobalOptions.Storage) is { Length: > 0 } given
            ? given
            : (Environment.GetEnvironmentVariable(GlobalOptions.StorageVariable) ?? string.Empty)
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = new List<string>();
        var storages = new List<StorageUri>();
        foreach (var value in values)
        {
            try
            {
                storages.Add(StorageUri.Parse(value));
            }
            catch (DbResilienceConfigurationException ex)
            {
                errors.Add(ex.Message);
            }
        }

        return errors.Count == 0 ? storages : throw new DbResilienceConfigurationException(errors);
    }
}
