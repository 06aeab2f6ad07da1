using System.CommandLine;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience migrate</c>: applies the pending migrations of a directory.</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var target = new Option<string?>("--target") { Description = "Apply up to this version only (inclusive)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would run, in order, with the SQL; touch nothing." };
        var seeds = new Option<bool>("--seeds") { Description = "Also run the seed scripts (S<version>__<name>.sql) after the migrations." };
        var command = new Command("migrate", "Apply the pending migrations in version order, each in its own transaction, under a database-wide lock. Exit 1 when a migration fails (the message names version, file, line and SQLSTATE).");
        MigrationCli.AddTo(command);
        command.Options.Add(target);
        command.Options.Add(dryRun);
        command.Options.Add(seeds);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var request = new MigrateRequest
            {
                TargetVersion = parse.GetValue(target) is { } t ? MigrationCli.ParseVersion("--target", t) : null,
                DryRun = parse.GetValue(dryRun),
                RunSeeds = parse.GetValue(seeds),
            };
            var (host, runner) = MigrationCli.Build(parse);
            await using (host)
            {
                var result = await runner.MigrateAsync(request, cancellationToken);
                if (parse.GetValue(GlobalOptions.Json))
                {
                    CliJson.Write(result);
                }
                else
                {
                    MigrationCli.Write(result, "apply");
                }

                return ExitCodes.Success;
            }
        }));
        return command;
    }
}
