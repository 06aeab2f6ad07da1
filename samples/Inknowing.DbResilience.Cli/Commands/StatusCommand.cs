using System.CommandLine;
using System.Globalization;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience status</c>: lists every migration and its state.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "List every migration, repeatable script and seed with its state (pending, completed, failed, rolled_back, running; changed or missing when the file differs from what ran).");
        MigrationCli.AddTo(command);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var (host, runner) = MigrationCli.Build(parse);
            await using (host)
            {
                var entries = await runner.GetStatusAsync(cancellationToken);
                if (parse.GetValue(GlobalOptions.Json))
                {
                    CliJson.Write(entries);
                    return ExitCodes.Success;
                }

                Console.WriteLine($"{"version",-12} {"status",-12} {"applied at",-20} {"ms",8}  name");
                foreach (var e in entries)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{e.Version,-12} {e.Status,-12} {e.AppliedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",-20} {e.ExecutionTimeMs?.ToString(CultureInfo.InvariantCulture) ?? "-",8}  {e.Name}"));
                }

                var pending = entries.Count(e => e.Status == "pending");
                Console.WriteLine($"{entries.Count} script(s), {pending} pending.");
                return ExitCodes.Success;
            }
        }));
        return command;
    }
}
