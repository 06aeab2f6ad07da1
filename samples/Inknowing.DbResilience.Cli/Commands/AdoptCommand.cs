using System.CommandLine;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience adopt</c>: imports another tool's migration history as the library's applied versions.</summary>
internal static class AdoptCommand
{
    private static readonly Dictionary<string, MigrationHistoryFormat> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sql-framework"] = MigrationHistoryFormat.SqlFramework,
        ["flyway"] = MigrationHistoryFormat.Flyway,
        ["dbup"] = MigrationHistoryFormat.DbUp,
        ["efcore"] = MigrationHistoryFormat.EntityFrameworkCore,
    };

    public static Command Create()
    {
        var from = new Option<string?>("--from")
        {
            Description = "Whose history: sql-framework (schema_migrations and migration_history written by apply_migration/rollback_migration), "
                + "flyway (flyway_schema_history), dbup (schemaversions) or efcore (__EFMigrationsHistory). Default: the only one in the database.",
        };
        var sourceSchema = new Option<string?>("--source-schema") { Description = "Schema of the history to import (default: wherever the one history of that kind is)." };
        var rename = new Option<bool>("--rename-source")
        {
            Description = "Rename the imported tables aside (<name>_adopted) in the same transaction, so that the old tool cannot write to them again; "
                + "needed when they have the library's table names in the library's schema.",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the mapping (each history row and file, how it matched, what would be recorded) and change nothing." };
        var command = new Command("adopt",
            "Import an existing migration history (the application's SQL framework, Flyway, DbUp or EF Core) as the library's applied versions, matched to the "
            + "migration files by version and name, in one transaction under the migration lock. Reports files with no history row (they stay pending) and "
            + "history rows with no file. Exit 1 when nothing could be adopted (the message says why), 2 for a usage error.");
        MigrationCli.AddTo(command, foreignHistoryOption: false);
        command.Options.Add(from);
        command.Options.Add(sourceSchema);
        command.Options.Add(rename);
        command.Options.Add(dryRun);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var request = new MigrationAdoptionRequest
            {
                From = parse.GetValue(from) is { } f
                    ? Formats.TryGetValue(f, out var format) ? format
                        : throw new DbResilienceConfigurationException($"--from '{f}' is not a history adopt can read: give sql-framework, flyway, dbup or efcore.")
                    : null,
                SourceSchema = parse.GetValue(sourceSchema),
                RenameSource = parse.GetValue(rename),
                DryRun = parse.GetValue(dryRun),
            };
            await using var host = MigrationCli.BuildHost(parse);
            var result = await host.GetRequiredService<IMigrationAdopter>().AdoptAsync(request, cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(result);
            }
            else
            {
                MigrationCli.Write(result, "adopt");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
