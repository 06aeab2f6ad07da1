using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience status</c>: lists every migration and its state.</summary>
internal static class StatusCommand
{
    /// <summary>The states status counts, in the order of its summary line.</summary>
    private static readonly MigrationState[] States =
    [
        MigrationState.Completed, MigrationState.Adopted, MigrationState.Baselined, MigrationState.Pending, MigrationState.Running,
        MigrationState.Failed, MigrationState.RolledBack, MigrationState.Changed, MigrationState.Missing,
    ];

    public static Command Create()
    {
        var exitCode = new Option<bool>("--exit-code")
        {
            Description = "Exit 1 when a version failed, was left running, changed since it ran or lost its file; else 3 when versions are pending or rolled back (migrate would apply them); 0 when up to date (for CI).",
        };
        var command = new Command("status",
            "List every migration, repeatable script and seed with its state: pending, completed, adopted (imported from another tool), baselined, failed, "
            + "rolled_back, running; changed or missing when the file differs from what ran. Exit 0 unless --exit-code is given.");
        MigrationCli.AddTo(command);
        command.Options.Add(exitCode);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var (host, runner) = MigrationCli.Build(parse);
            await using (host)
            {
                var entries = await runner.GetStatusAsync(cancellationToken);
                if (parse.GetValue(GlobalOptions.Json))
                {
                    CliJson.Write(entries);
                }
                else
                {
                    Console.WriteLine($"{"version",-12} {"status",-12} {"applied at",-20} {"ms",8}  name");
                    foreach (var e in entries)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{e.Version,-12} {MigrationText.Of(e.Status),-12} {e.AppliedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",-20} {e.ExecutionTimeMs?.ToString(CultureInfo.InvariantCulture) ?? "-",8}  {e.Name}"));
                    }

                    Console.WriteLine(Summary(entries));
                }

                return parse.GetValue(exitCode) ? ExitCode(entries) : ExitCodes.Success;
            }
        }));
        return command;
    }

    /// <summary>Counts every state present: <c>5 script(s): 2 completed, 1 adopted, 1 pending, 1 failed.</c></summary>
    internal static string Summary(IReadOnlyList<MigrationStatusEntry> entries)
    {
        var counts = States.Select(s => (State: s, Count: entries.Count(e => e.Status == s))).Where(c => c.Count > 0)
            .Select(c => $"{c.Count} {MigrationText.Of(c.State).Replace('_', ' ')}")
            .Concat(entries.Where(e => !States.Contains(e.Status)).GroupBy(e => e.Status).Select(g => $"{g.Count()} {MigrationText.Of(g.Key)}"));
        var pending = entries.Count(e => e.Status == MigrationState.Pending);
        return $"{entries.Count} script(s), {pending} pending: {string.Join(", ", counts)}.";
    }

    /// <summary>Returns 1 when anything failed or is not as it ran, else 3 when something is pending (or rolled back: migrate applies it again), else 0.</summary>
    internal static int ExitCode(IReadOnlyList<MigrationStatusEntry> entries)
        => entries.Any(e => e.Status is MigrationState.Failed or MigrationState.Running or MigrationState.Changed or MigrationState.Missing) ? ExitCodes.Failure
            : entries.Any(e => e.Status is MigrationState.Pending or MigrationState.RolledBack) ? ExitCodes.Pending
            : ExitCodes.Success;
}
