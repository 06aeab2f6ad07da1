using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Retention;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience prune [--dry-run]</c>: applies grandfather-father-son retention to every storage.</summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan with the reason for each decision; delete nothing." };
        var command = new Command("prune", "Apply GFS retention (7 daily, 4 weekly, 12 monthly by default) to every storage. The newest verified backup, running backups and anything unclassifiable are never deleted.")
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
                    result.Plan.Decisions.Select(d => new Decision(d.Id, d.Action, d.Reason, d.RetainUntil)).ToList(),
                    result.Deleted,
                    result.Problems));
            }
            else
            {
                foreach (var decision in result.Plan.Decisions)
                {
                    var until = decision.RetainUntil is { } u ? u.ToString(" (until ~yyyy-MM-dd)", CultureInfo.InvariantCulture) : "";
                    Console.WriteLine($"{(decision.Action == Retention.RetentionAction.Keep ? "keep  " : "delete")}  {decision.Id,-32} {decision.Reason}{until}");
                }

                var deletes = result.Plan.Deleted.Count();
                Console.WriteLine(result.DryRun
                    ? $"dry run: {deletes} backup(s) would be deleted, {result.Plan.Kept.Count()} kept."
                    : $"{result.Deleted.Count} backup(s) deleted, {result.Plan.Kept.Count()} kept.");
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
    internal sealed record Output(bool DryRun, IReadOnlyList<Decision> Decisions, IReadOnlyList<string> Deleted, IReadOnlyList<string> Problems);

    /// <summary>One decision of the <c>--json</c> output.</summary>
    internal sealed record Decision(string Id, RetentionAction Action, string Reason, DateTimeOffset? RetainUntil);
}
