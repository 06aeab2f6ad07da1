using System.CommandLine;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience validate</c>: checks applied migrations against their files.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var outOfOrder = new Option<bool>("--allow-out-of-order") { Description = "Do not report pending versions older than the newest applied one." };
        var tables = new Option<string[]>("--expect-table") { Description = "A table that must exist (repeatable)." };
        var indexes = new Option<string[]>("--expect-index") { Description = "An index that must exist and be valid (repeatable)." };
        var command = new Command("validate", "Check for applied files changed since they ran, applied versions whose files are gone, out-of-order pending versions, failed migrations and missing expected tables or indexes. Exit 1 when a problem is found.");
        MigrationCli.AddTo(command);
        command.Options.Add(outOfOrder);
        command.Options.Add(tables);
        command.Options.Add(indexes);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var (host, runner) = MigrationCli.Build(parse, m =>
            {
                m.AllowOutOfOrder = parse.GetValue(outOfOrder);
                foreach (var table in parse.GetValue(tables) ?? [])
                {
                    m.ExpectedTables.Add(table);
                }

                foreach (var index in parse.GetValue(indexes) ?? [])
                {
                    m.ExpectedIndexes.Add(index);
                }
            });
            await using (host)
            {
                var report = await runner.ValidateAsync(cancellationToken);
                if (parse.GetValue(GlobalOptions.Json))
                {
                    CliJson.Write(report);
                }
                else
                {
                    foreach (var problem in report.Problems)
                    {
                        Console.WriteLine($"{problem.Kind,-14} {problem.Version,-10} {problem.Message}");
                    }

                    Console.WriteLine(report.IsValid ? $"valid: {report.Checked} script(s) checked." : $"{report.Problems.Count} problem(s) in {report.Checked} script(s).");
                }

                return report.IsValid ? ExitCodes.Success : ExitCodes.Failure;
            }
        }));
        return command;
    }
}
