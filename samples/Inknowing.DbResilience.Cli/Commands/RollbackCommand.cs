using System.CommandLine;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience rollback</c>: rolls back the applied migrations newer than a version.</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "The version to return to; it stays applied (0 rolls back everything).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the rollback scripts that would run, newest first, with the SQL; touch nothing." };
        var command = new Command("rollback", "Run the rollback scripts (R<version>__<name>.sql, or the rollback SQL stored at apply time) of every applied version newer than --to, newest first, each in its own transaction. A missing rollback is reported before anything is touched.");
        MigrationCli.AddTo(command);
        command.Options.Add(to);
        command.Options.Add(dryRun);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var version = MigrationCli.ParseVersion("--to", parse.GetValue(to)!);
            var (host, runner) = MigrationCli.Build(parse);
            await using (host)
            {
                var result = await runner.RollbackAsync(version, parse.GetValue(dryRun), cancellationToken);
                if (parse.GetValue(GlobalOptions.Json))
                {
                    CliJson.Write(result);
                }
                else
                {
                    MigrationCli.Write(result, "roll back");
                }

                return ExitCodes.Success;
            }
        }));
        return command;
    }
}
