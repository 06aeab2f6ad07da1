using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience wal-receive</c>: streams WAL from a replication slot into every storage until stopped.</summary>
internal static class WalReceiveCommand
{
    public static Command Create()
    {
        var slot = new Option<string?>("--slot") { Description = "The physical replication slot (created when missing; default dbresilience)." };
        var synchronous = new Option<bool>("--synchronous")
        {
            Description = "Acknowledge WAL only once stored, after every message; list the receiver (application_name dbresilience_receiver) in synchronous_standby_names for zero data loss.",
        };
        var command = new Command(
            "wal-receive",
            "Stream WAL over the replication protocol into every storage until Ctrl+C; resumes from the slot without a gap. The role needs REPLICATION. "
            + "Exit 0 when stopped with Ctrl+C or SIGTERM (the segment being written is stored as .partial first); "
            + "1 when the server ends the stream (it shut down or restarted, or the connection broke: run it again, it resumes from the slot) or another failure; "
            + "2 for a usage or configuration error; 130 when cancelled before streaming began.");
        command.Options.Add(slot);
        command.Options.Add(synchronous);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var options = host.GetRequiredService<IOptions<PointInTimeOptions>>().Value;
            options.SlotName = parse.GetValue(slot) ?? options.SlotName;
            options.Synchronous = parse.GetValue(synchronous);
            using var receiver = new WalReceiver(host.GetRequiredService<WalArchive>(), host.GetRequiredService<IOptions<PostgreSql.PostgreSqlOptions>>(), Options.Create(options));
            Console.Error.WriteLine($"streaming from slot {options.SlotName}{(options.Synchronous ? " (synchronous)" : string.Empty)}; Ctrl+C stops after storing the partial segment.");
            await receiver.RunAsync(cancellationToken);
            Console.Error.WriteLine($"stopped; everything up to {receiver.StoredLsn} is stored.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
