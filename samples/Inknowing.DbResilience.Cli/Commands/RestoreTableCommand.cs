using System.CommandLine;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience restore-table ID|latest --table SCHEMA.TABLE [--mode replace|append|new:[SCHEMA.]NAME] [--include-children]</c>.</summary>
internal static class RestoreTableCommand
{
    public static Command Create()
    {
        var backup = new Argument<string>("backup") { Description = "The backup id, or 'latest'.", DefaultValueFactory = _ => "latest" };
        var table = new Option<string>("--table") { Description = "The table, SCHEMA.TABLE (quote parts with capitals, dots or spaces: public.\"Order Lines\").", Required = true };
        var mode = new Option<string>("--mode")
        {
            Description = "replace: delete live rows and load the backup's; append: insert the backup's rows whose key is missing; "
                + "new:[SCHEMA.]NAME: a new table (an SQL name, quote parts with capitals, dots or spaces: new:\"Mixed.Schema\".\"Order Lines Copy\"; without a schema, in the table's own).",
            DefaultValueFactory = _ => "replace",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan only; change nothing." };
        var includeChildren = new Option<bool>("--include-children")
        {
            Description = "For an inheritance parent: restore the tables that inherit from it too, each with its own rows. Without it only the parent's own rows (ONLY) are touched. A partitioned table always brings back all its partitions.",
        };
        var command = new Command(
            "restore-table",
            "Bring one table's rows back from a backup into the live database in one transaction that checks each table's rows against the backup's manifest before deleting anything and re-checks every foreign key before commit. "
            + "A partitioned table is restored partition by partition. Prints the plan first. Exit 1 when refused or failed.")
        {
            backup, table, mode, dryRun, includeChildren, GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var request = new TableRestoreRequest
            {
                BackupId = parse.GetValue(backup)!,
                Table = ParseTable(parse.GetValue(table)!),
                DryRun = parse.GetValue(dryRun),
                IncludeChildren = parse.GetValue(includeChildren),
            };
            var modeText = parse.GetValue(mode)!;
            if (modeText.StartsWith("new:", StringComparison.OrdinalIgnoreCase) && modeText.Length > 4)
            {
                request.Mode = TableRestoreMode.NewTable;
                request.NewTable = ParseTable(modeText[4..], request.Table.Schema);
            }
            else
            {
                request.Mode = modeText.ToLowerInvariant() switch
                {
                    "replace" => TableRestoreMode.Replace,
                    "append" => TableRestoreMode.Append,
                    _ => throw new DbResilienceConfigurationException([$"--mode '{modeText}' is not one of replace, append, new:NAME."]),
                };
            }

            await using var host = CliApplication.BuildHost(parse);
            var result = await host.GetRequiredService<IRestoreService>().RestoreTableAsync(request, cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(result);
                return ExitCodes.Success;
            }

            Console.WriteLine($"plan for {result.Plan.Table} from backup {result.BackupId} ({result.Plan.Mode}):");
            foreach (var step in result.Plan.Steps)
            {
                Console.WriteLine("  - " + step);
            }

            if (result.Plan.Tables.Count > 1)
            {
                Console.WriteLine($"  {"rows in backup",14} {"in manifest",12} {"live",10}  table");
                foreach (var row in result.Plan.Tables)
                {
                    Console.WriteLine($"  {row.RowsInBackup,14} {(row.RowsInManifest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"),12} {row.RowsInLive,10}  {row.Table} ({row.Role.ToString().ToLowerInvariant()})");
                }
            }

            Console.WriteLine(result.Executed
                ? $"done in {result.Duration.TotalSeconds:F1} s: {result.RowsDeleted} rows deleted, {result.RowsInserted} inserted, {result.RowsSkipped} skipped, into {result.Plan.TargetTable}"
                : "dry run: nothing was changed.");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Parses SCHEMA.TABLE (TABLE alone is in <paramref name="defaultSchema"/>), turning a format error into a usage error (exit 2).</summary>
    public static TableName ParseTable(string value, string defaultSchema = "public")
    {
        try
        {
            return TableName.Parse(value, defaultSchema);
        }
        catch (FormatException ex)
        {
            throw new DbResilienceConfigurationException([ex.Message]);
        }
    }
}
