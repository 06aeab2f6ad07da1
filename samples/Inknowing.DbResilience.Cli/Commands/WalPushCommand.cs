using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience wal-push PATH</c>: PostgreSQL's archive_command; stores one WAL file in every storage.</summary>
internal static class WalPushCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "The WAL file (%p in archive_command)." };
        var command = new Command(
            "wal-push",
            "Store a WAL file in every storage, checksummed (archive_command = 'DBRESILIENCE_STORAGE=file:///... /opt/dbresilience/dbresilience wal-push %p'). "
            + "The same bytes again succeed; different bytes under the same name fail and overwrite nothing. Exit 0 stored, 1 failed (PostgreSQL retries), 2 bad input.");
        command.Arguments.Add(path);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: false);
            var archive = new WalArchive(host.GetRequiredService<IStorageSet>());
            try
            {
                var result = await archive.PushAsync(parse.GetValue(path)!, cancellationToken);
                Console.WriteLine(result.AlreadyStored ? $"{result.Name} already stored" : $"{result.Name} stored in {result.Storages} storage(s)");
                return ExitCodes.Success;
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.UsageError;
            }
            catch (FileNotFoundException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.Failure;
            }
        }));
        return command;
    }
}
