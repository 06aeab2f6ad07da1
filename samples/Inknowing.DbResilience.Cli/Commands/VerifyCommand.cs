using System.CommandLine;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience verify ID|latest [--restore-test]</c>: re-reads every copy and checks it; exit 1 when anything is wrong.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "A backup id, or 'latest'." };
        var restoreTest = new Option<bool>("--restore-test") { Description = "Also restore into a scratch database and compare each table's row count with the manifest." };
        var command = new Command("verify", "Check the SHA-256 of every copy of a backup and that pg_restore reads it; mark it verified. Exit 1 when a problem is found.")
        {
            id, restoreTest, GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var report = await host.GetRequiredService<IBackupService>().VerifyAsync(parse.GetValue(id)!, parse.GetValue(restoreTest), cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(report);
            }
            else
            {
                Console.WriteLine($"backup          {report.Id}");
                foreach (var copy in report.Copies)
                {
                    Console.WriteLine($"copy            {copy.Storage}: {(copy.Succeeded ? "SHA-256 OK" : copy.Problem)}");
                }

                Console.WriteLine($"archive         {report.ArchiveCheck ?? "not checked"}");
                if (report.RestoreTested)
                {
                    Console.WriteLine($"restore test    {report.TablesCompared} table(s) compared");
                }

                Console.WriteLine(report.Succeeded ? "result          verified" : $"result          {report.Problems.Count} problem(s)");
                foreach (var problem in report.Problems)
                {
                    Console.WriteLine("  - " + problem);
                }
            }

            return report.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }
}
