using System.CommandLine;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience baseline</c>: records a hand-built database as migrated up to a version.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var version = new Option<string>("--version") { Description = "The last version the database already has; the files up to it are recorded as applied without running.", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be recorded and change nothing." };
        var command = new Command("baseline",
            "Record every migration up to --version as applied without running it (status: baselined), for a database built by hand or restored from "
            + "elsewhere, as Flyway's baseline does; later versions stay pending. Only into an empty library history. Exit 1 when it refuses.");
        MigrationCli.AddTo(command, foreignHistoryOption: false);
        command.Options.Add(version);
        command.Options.Add(dryRun);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var target = MigrationCli.ParseVersion("--version", parse.GetValue(version)!);
            await using var host = MigrationCli.BuildHost(parse);
            var result = await host.GetRequiredService<IMigrationAdopter>().BaselineAsync(target, parse.GetValue(dryRun), cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(result);
            }
            else
            {
                MigrationCli.Write(result, $"baseline up to {target}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
