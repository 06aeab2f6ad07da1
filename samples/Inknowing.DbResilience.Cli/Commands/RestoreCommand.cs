using System.CommandLine;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience restore ID|latest --target-database NAME</c>: restores a logical backup into a database.</summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var backup = new Argument<string>("backup") { Description = "The backup id, or 'latest'.", DefaultValueFactory = _ => "latest" };
        var target = new Option<string>("--target-database") { Description = "The database to restore into, on the configured server.", Required = true };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_restore jobs; above 1 the backup is first copied to a local temporary file.", DefaultValueFactory = _ => 1 };
        var tables = new Option<string[]>("--table") { Description = "Restore only this table (SCHEMA.TABLE as SQL spells it: double-quote parts with capitals, dots or spaces, '\"dot.ted\".\"My Table\"'); repeatable." };
        var schemas = new Option<string[]>("--schema") { Description = "Restore only this schema, named exactly as stored, without quotes (--schema 'dot.ted'); repeatable." };
        var schemaOnly = new Option<bool>("--schema-only") { Description = "Restore definitions only, no rows." };
        var dataOnly = new Option<bool>("--data-only") { Description = "Restore rows only, into existing tables (needs --force)." };
        var force = new Option<bool>("--force") { Description = "Allow replacing an existing target database (whole restore) or its selected objects." };
        var roles = new Option<bool>("--roles") { Description = "Create the backup's roles first (from its globals file)." };
        var noOwner = new Option<bool>("--no-owner") { Description = "Leave out ownership and privileges, for a server without the backup's roles." };
        var noDatabaseProperties = new Option<bool>("--no-database-properties")
        {
            Description = "Leave out the database's own settings (ALTER DATABASE ... SET), comment, owner and privileges, which a whole-database restore otherwise brings back onto the target.",
        };
        var command = new Command("restore", "Verify a backup's checksum, then restore it into a new database (or over an existing one with --force), with the database's own settings, comment, owner and privileges. Exit 1 when refused or failed.")
        {
            backup, target, jobs, tables, schemas, schemaOnly, dataOnly, force, roles, noOwner, noDatabaseProperties, GlobalOptions.Json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(schemaOnly) && result.GetValue(dataOnly))
            {
                result.AddError("--schema-only and --data-only exclude each other; choose one.");
            }
        });
        target.Validators.Add(result =>
        {
            // PostgreSQL would cut a longer name to 63 bytes: the restore would land in a database of another name.
            var name = result.GetValueOrDefault<string>() ?? string.Empty;
            if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal) || System.Text.Encoding.UTF8.GetByteCount(name) > 63)
            {
                result.AddError($"--target-database '{name}' is not a database name PostgreSQL keeps as given: give 1 to 63 bytes without NUL.");
            }
        });
        jobs.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError($"--jobs must be 1 or more, not {result.GetValueOrDefault<int>()}: 1 streams the backup into pg_restore, more restores in parallel.");
            }
        });
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var request = new RestoreRequest
            {
                BackupId = parse.GetValue(backup)!,
                TargetDatabase = parse.GetValue(target)!,
                Jobs = parse.GetValue(jobs),
                SchemaOnly = parse.GetValue(schemaOnly),
                DataOnly = parse.GetValue(dataOnly),
                Force = parse.GetValue(force),
                RestoreGlobals = parse.GetValue(roles),
                SkipOwnership = parse.GetValue(noOwner),
                SkipDatabaseProperties = parse.GetValue(noDatabaseProperties),
            };
            foreach (var table in parse.GetValue(tables) ?? [])
            {
                request.Tables.Add(RestoreTableCommand.ParseTable(table));
            }

            foreach (var schema in parse.GetValue(schemas) ?? [])
            {
                request.Schemas.Add(schema);
            }

            await using var host = CliApplication.BuildHost(parse);
            var result = await host.GetRequiredService<IRestoreService>().RestoreAsync(request, cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(result);
            }
            else
            {
                Console.WriteLine($"restored {result.BackupId} into '{result.TargetDatabase}' in {result.Duration.TotalSeconds:F1} s "
                    + $"({result.Strategy}, {result.Jobs} job(s), {result.BytesRead} bytes, SHA-256 verified{(result.ReplacedExisting ? ", replaced the existing database" : string.Empty)})");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
