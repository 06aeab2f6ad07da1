using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.Integrity;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience integrity [--json]</c>: runs the integrity checks; exit 1 when one reports ERROR.</summary>
internal static class IntegrityCommand
{
    public static Command Create()
    {
        var command = new Command("integrity", "Check row counts, orphaned rows of every foreign key, invalid indexes, checksum failures, replication lag and B-tree indexes (amcheck). Exit 1 when a check reports ERROR.")
        {
            GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var report = await host.GetRequiredService<IIntegrityChecker>().CheckAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new Output(
                    report.Database,
                    report.Passed,
                    report.Status,
                    report.CheckedAt,
                    report.Duration.TotalSeconds,
                    report.Checks.Select(c => new Check(c.Name, c.Status, c.Summary, c.Details, c.Duration.TotalSeconds)).ToList(),
                    report.TableRowCounts));
            }
            else
            {
                foreach (var check in report.Checks)
                {
                    Console.WriteLine($"{check.Status.ToString().ToUpperInvariant(),-8} {check.Name,-18} {check.Summary}");
                    foreach (var detail in check.Details.Where(_ => check.Status != IntegrityStatus.Ok))
                    {
                        Console.WriteLine("           - " + detail);
                    }
                }

                Console.WriteLine($"result   {report.Status.ToString().ToUpperInvariant()} ({report.Database}, {report.Duration.TotalSeconds:F1} s)");
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>The <c>--json</c> output.</summary>
    internal sealed record Output(
        string Database,
        bool Passed,
        IntegrityStatus Status,
        DateTimeOffset CheckedAt,
        double DurationSeconds,
        IReadOnlyList<Check> Checks,
        IReadOnlyDictionary<string, long> TableRowCounts);

    /// <summary>One check of the <c>--json</c> output.</summary>
    internal sealed record Check(string Name, IntegrityStatus Status, string Summary, IReadOnlyList<string> Details, double DurationSeconds);
}
