using System.CommandLine;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience health [--json]</c>: runs the library's health checks (backup freshness, verification, drill, integrity,
/// storage, migrations, WAL archiving, WAL receiver); exit 0 when all are healthy, 1 when one is degraded or unhealthy.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var command = new Command("health", "Run the health checks: backup freshness (Degraded after 12 h, Unhealthy after 25 h), the last verification, drill and integrity check, storage reachable, migrations, WAL archiving and the WAL receiver. Exit 1 when one is degraded or unhealthy.")
        {
            GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse, b => b.EnableHealthChecks());
            var report = await host.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains(HealthCheckNames.Tag), cancellationToken);
            var output = new Output(
                report.Status.ToString(),
                report.TotalDuration.TotalSeconds,
                report.Entries.Select(e => new Entry(e.Key, e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message, e.Value.Duration.TotalSeconds)).ToList());
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(output);
            }
            else
            {
                foreach (var entry in output.Checks)
                {
                    Console.WriteLine($"{entry.Status.ToUpperInvariant(),-10} {entry.Name,-30} {entry.Description}");
                }

                Console.WriteLine($"result     {output.Status.ToUpperInvariant()}");
            }

            return report.Status == HealthStatus.Healthy ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>The <c>--json</c> output: the overall status and each check.</summary>
    internal sealed record Output(string Status, double DurationSeconds, IReadOnlyList<Entry> Checks);

    /// <summary>One check: <c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>, and why.</summary>
    internal sealed record Entry(string Name, string Status, string? Description, double DurationSeconds);
}
