using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience backups list</c>: lists the complete backups from the manifests in storage (no database needed).</summary>
internal static class BackupsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the complete backups (those with a manifest) in every storage, oldest first. Works without the database.")
        {
            GlobalOptions.Json,
        };
        list.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var backups = await host.GetRequiredService<IBackupService>().ListAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(backups
                    .Select(b => new Item(b.Id, b.Tier, b.Format, b.Status, b.Sha256, b.SizeBytes, b.StartedAt, b.CompletedAt, b.VerifiedAt, b.Locations, b.Encryption?.KeyId))
                    .ToList());
                return ExitCodes.Success;
            }

            if (backups.Count == 0)
            {
                Console.WriteLine("No complete backups.");
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"ID",-32} {"TIER",-8} {"FORMAT",-9} {"STATUS",-9} {"SIZE",10} {"DURATION",9}  LOCATIONS");
            foreach (var b in backups)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Id,-32} {b.Tier,-8} {b.Format.ToString().ToLowerInvariant(),-9} {b.Status.ToString().ToLowerInvariant(),-9} {BackupCommand.Bytes(b.SizeBytes),10} {(b.CompletedAt - b.StartedAt).TotalSeconds,8:F1}s  {string.Join(", ", b.Locations)}"));
            }

            return ExitCodes.Success;
        }));
        return new Command("backups", "Inspect the backups in storage.") { list };
    }

    /// <summary>One backup of the <c>--json</c> output.</summary>
    internal sealed record Item(
        string Id,
        string Tier,
        BackupFormat Format,
        BackupStatus Status,
        string Sha256,
        long SizeBytes,
        DateTimeOffset StartedAt,
        DateTimeOffset CompletedAt,
        DateTimeOffset? VerifiedAt,
        IReadOnlyList<string> Locations,
        string? EncryptionKeyId);
}
