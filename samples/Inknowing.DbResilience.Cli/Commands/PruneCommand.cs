using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Retention;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience prune [--dry-run]</c>: applies retention to both kinds of backups in every storage: grandfather-father-son rules
/// for logical backups, the newest restorable base backups and the WAL they need.
/// </summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan with the reason for each decision; delete nothing." };
        var command = new Command("prune", "Apply retention to every storage: GFS rules to logical backups (7 daily, 4 weekly, 12 monthly by default), and keep the 7 newest restorable base backups with all the WAL from the oldest kept one's start (older WAL is deleted). The newest verified backup, running backups and anything unclassifiable are never deleted.")
        {
            dryRun, GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var result = await host.GetRequiredService<IBackupService>().PruneAsync(parse.GetValue(dryRun), cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new Output(
                    result.DryRun,
                    result.Plan.Decisions.Select(d => new Decision(d.Id, d.Action, d.Reason, d.RetainUntil, d.Kind)).ToList(),
                    result.Deleted,
                    result.Problems,
                    result.Plan.Wal is { } wal ? new Wal(wal.Delete.Count, wal.OldestNeededSegment, wal.Reason) : null,
                    result.DeletedWalFiles));
            }
            else
            {
                foreach (var decision in result.Plan.Decisions)
                {
                    var until = decision.RetainUntil is { } u ? u.ToString(" (until ~yyyy-MM-dd)", CultureInfo.InvariantCulture) : "";
                    Console.WriteLine($"{(decision.Action == Retention.RetentionAction.Keep ? "keep  " : "delete")}  {decision.Id,-32} {decision.Reason}{until}");
                }

                if (result.Plan.Wal is { } wal)
                {
                    Console.WriteLine($"{(wal.Delete.Count > 0 ? "delete" : "keep  ")}  {$"WAL ({wal.Delete.Count} file(s))",-32} {wal.Reason}");
                }

                var deletes = result.Plan.Deleted.Count();
                Console.WriteLine(result.DryRun
                    ? $"dry run: {deletes} backup(s) would be deleted, {result.Plan.Kept.Count()} kept."
                    : $"{result.Deleted.Count} backup(s) and {result.DeletedWalFiles} WAL file(s) deleted, {result.Plan.Kept.Count()} kept.");
                foreach (var problem in result.Problems)
                {
                    Console.Error.WriteLine("error: " + problem);
                }
            }

            return result.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>The <c>--json</c> output.</summary>
    internal sealed record Output(bool DryRun, IReadOnlyList<Decision> Decisions, IReadOnlyList<string> Deleted, IReadOnlyList<string> Problems, Wal? Wal, int DeletedWalFiles);

    /// <summary>One decision of the <c>--json</c> output; <c>kind</c> is <c>logical</c> or <c>base</c>.</summary>
    internal sealed record Decision(string Id, RetentionAction Action, string Reason, DateTimeOffset? RetainUntil, BackupKind Kind);

    /// <summary>What the <c>--json</c> output says of the archived WAL: how many files go, the oldest segment kept, why.</summary>
    internal sealed record Wal(int Delete, string? OldestNeededSegment, string Reason);
}
