using System.CommandLine;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Drills;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience drill [--backup ID|latest] [--json]</c>: a timed recovery drill; exit 1 when it fails.</summary>
internal static class DrillCommand
{
    public static Command Create()
    {
        var backup = new Option<string>("--backup") { Description = "The backup to drill, logical or base, or 'latest' (the newest logical backup; fails when older than 24 h).", DefaultValueFactory = _ => "latest" };
        var command = new Command("drill", "Restore a backup into a scratch database, verify checksum, row counts, integrity and smoke queries, drop it (also on failure and Ctrl+C or SIGTERM, exit 130), and report the measured RTO. The scratch database is recorded in TMPDIR before the restore: the next drill on this host drops the one a killed drill left. A base backup (--backup ID) is restored to its consistent point into a throwaway cluster and checked there. Exit 1 when the drill fails.")
        {
            backup, GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var report = await host.GetRequiredService<IDrillRunner>().RunAsync(parse.GetValue(backup)!, cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new Output(
                    report.Passed,
                    report.Rto?.TotalSeconds,
                    report.RtoObjective.TotalSeconds,
                    report.BackupId,
                    report.Steps.Select(s => new Step(s.Name, s.Passed, s.Duration.TotalSeconds, s.Details)).ToList(),
                    report.Tables.Select(t => new Table(t.Name, t.ExpectedRows, t.RestoredRows)).ToList(),
                    report.FailureReason,
                    report.Kind,
                    report.RecoveryStop));
            }
            else
            {
                foreach (var step in report.Steps)
                {
                    Console.WriteLine($"{(step.Passed ? "PASS" : "FAIL")} {step.Name,-20} {step.Duration.TotalSeconds,7:F1} s  {step.Details}");
                }

                Console.WriteLine(report.Passed
                    ? $"drill PASSED: backup {report.BackupId}, RTO {report.Rto?.TotalSeconds:F1} s (objective {report.RtoObjective.TotalSeconds:F0} s)"
                    : $"drill FAILED: {report.FailureReason}");
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>The <c>--json</c> output.</summary>
    /// <remarks><c>kind</c> is <c>logical</c> or <c>base</c>; a base backup's drill has the server's words on where recovery stopped in <c>recoveryStop</c>.</remarks>
    internal sealed record Output(
        bool Passed, double? RtoSeconds, double RtoObjectiveSeconds, string? BackupId, IReadOnlyList<Step> Steps, IReadOnlyList<Table> Tables, string? FailureReason,
        BackupKind Kind, string? RecoveryStop);

    /// <summary>One step of the <c>--json</c> output.</summary>
    internal sealed record Step(string Name, bool Passed, double DurationSeconds, string? Details);

    /// <summary>One table of the <c>--json</c> output.</summary>
    internal sealed record Table(string Name, long ExpectedRows, long? RestoredRows);
}
