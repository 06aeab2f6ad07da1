using System.CommandLine;
using System.Text.Json;
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
                Console.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        report.Database,
                        report.Passed,
                        report.Status,
                        report.CheckedAt,
                        DurationSeconds = report.Duration.TotalSeconds,
                        Checks = report.Checks.Select(c => new { c.Name, c.Status, c.Summary, c.Details, DurationSeconds = c.Duration.TotalSeconds }),
                        report.TableRowCounts,
                    },
                    CliJson.Options));
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
}
