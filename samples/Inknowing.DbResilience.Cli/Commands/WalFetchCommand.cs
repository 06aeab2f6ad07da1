using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience wal-fetch NAME DEST</c>: PostgreSQL's restore_command; fetches one archived WAL file.</summary>
internal static class WalFetchCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The WAL file name (%f in restore_command)." };
        var destination = new Argument<string>("dest") { Description = "Where to write it (%p in restore_command)." };
        var command = new Command(
            "wal-fetch",
            "Fetch an archived WAL file (restore_command = '... wal-fetch %f %p'), checking its size, its SHA-256 against the storage's record "
            + "(which must exist) and the WAL's own page headers and record checksums. Exit 0 fetched, 1 not archived (PostgreSQL takes it for the "
            + "end of the archive), 2 bad input, 126 archived but no intact copy could be read (damaged, or the storage failed; nothing written): "
            + "above 125, so PostgreSQL stops recovery with an error instead of promoting short of its target.");
        command.Arguments.Add(name);
        command.Arguments.Add(destination);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: false);
            var archive = new WalArchive(host.GetRequiredService<IStorageSet>());
            try
            {
                if (await archive.FetchAsync(parse.GetValue(name)!, parse.GetValue(destination)!, cancellationToken))
                {
                    return ExitCodes.Success;
                }

                await Console.Error.WriteLineAsync($"{parse.GetValue(name)} is not archived.");
                return ExitCodes.Failure;
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.UsageError;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or DbResilienceConfigurationException))
            {
                // Damaged, unreadable or unreachable: exit 1 would tell PostgreSQL the archive ends here: it would promote and lose every later commit.
                await Console.Error.WriteLineAsync($"error: {ex.Message} Recovery stops here (exit {ExitCodes.RecoveryMustStop}) rather than end early.");
                return ExitCodes.RecoveryMustStop;
            }
        }));
        return command;
    }
}
