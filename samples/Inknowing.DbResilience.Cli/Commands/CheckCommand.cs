using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.Diagnostics;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience check</c>: connects to the database and reports what backups and recovery depend on.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Connect to the database and report its version (15 to 18 are supported), data checksums, WAL settings and the local pg_dump (not older than the server). Exit 1 when a problem is found.");
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var info = await host.GetRequiredService<IPostgreSqlInspector>().InspectAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(info);
            }
            else
            {
                Write(info);
            }

            return info.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static void Write(PostgreSqlServerInfo info)
    {
        Console.WriteLine($"database        {info.Database} ({info.DatabaseSizeBytes / 1024.0 / 1024.0:F1} MiB)");
        Console.WriteLine($"server          PostgreSQL {info.ServerVersion}");
        Console.WriteLine($"data checksums  {(info.DataChecksums ? "on" : "off")}");
        Console.WriteLine($"wal_level       {info.WalLevel}");
        Console.WriteLine($"archive_mode    {info.ArchiveMode}");
        Console.WriteLine($"superuser       {(info.IsSuperuser ? "yes" : "no")}");
        Console.WriteLine($"pg_dump         {(info.PgDumpPath is null ? "not found" : $"{info.PgDumpVersion} at {info.PgDumpPath}")}");
        Console.WriteLine(info.Problems.Count == 0 ? "result          OK" : $"result          {info.Problems.Count} problem(s)");
        foreach (var problem in info.Problems)
        {
            Console.WriteLine("  - " + problem);
        }
    }
}
