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
            + "(which must exist) and the WAL's own page headers and record checksums. Exit 0 fetched, 1 not archived (as PostgreSQL expects) or damaged "
            + "(nothing written), 2 bad input. PostgreSQL ends recovery at any non-zero exit: 'pitr restore' checks the whole chain first.");
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
        }));
        return command;
    }
}
