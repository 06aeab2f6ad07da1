using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience backups list [--strict]</c>: lists the complete backups of both kinds (logical and base) from the manifests in
/// storage (no database needed), and the backups whose manifest is damaged.
/// </summary>
internal static class BackupsCommand
{
    public static Command Create()
    {
        var strict = new Option<bool>("--strict") { Description = "Exit 1 when a manifest is damaged (unreadable, edited, or not matching its checksum)." };
        var list = new Command(
            "list",
            "List the complete backups (those with a manifest) in every storage, logical (pg_dump) and base (pg_basebackup) alike, oldest first, and every damaged manifest (marked DAMAGED, with what is wrong). Works without the database.")
        {
            strict, GlobalOptions.Json,
        };
        list.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = CliApplication.BuildHost(parse);
            var service = host.GetRequiredService<IBackupService>();
            var backups = await service.ListAsync(cancellationToken);
            var damaged = await service.ListDamagedAsync(cancellationToken);
            var exitCode = damaged.Count > 0 && parse.GetValue(strict) ? ExitCodes.Failure : ExitCodes.Success;
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(backups
                    .Select(b => new Item(b.Id, b.Tier, b.Format, b.Status.ToString().ToLowerInvariant(), b.Sha256, b.SizeBytes, b.StartedAt, b.CompletedAt, b.VerifiedAt, b.Locations, b.Encryption?.KeyId, null, b.Kind, b.Wal, b.ParentId))
                    .Concat(damaged.Select(d => new Item(d.Id, null, null, "damaged", null, null, null, null, null, [d.Storage], null, $"{d.Key}: {d.Problem}", d.Kind, null, null)))
                    .OrderBy(b => b.Id, StringComparer.Ordinal)
                    .ToList());
                return exitCode;
            }

            if (backups.Count == 0 && damaged.Count == 0)
            {
                Console.WriteLine("No complete backups.");
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"ID",-32} {"KIND",-7} {"TIER",-8} {"FORMAT",-9} {"STATUS",-9} {"SIZE",10} {"DURATION",9}  LOCATIONS");
            foreach (var b in backups)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Id,-32} {Kind(b.Kind),-7} {b.Tier,-8} {b.Format.ToString().ToLowerInvariant(),-9} {b.Status.ToString().ToLowerInvariant(),-9} {BackupCommand.Bytes(b.SizeBytes),10} {(b.CompletedAt - b.StartedAt).TotalSeconds,8:F1}s  {string.Join(", ", b.Locations)}"));
            }

            foreach (var d in damaged)
            {
                Console.WriteLine($"{d.Id,-32} {Kind(d.Kind),-7} {"?",-8} {"?",-9} {"DAMAGED",-9} {"?",10} {"?",9}  {d.Storage}: {d.Key}: {d.Problem}");
            }

            if (damaged.Count > 0)
            {
                Console.Error.WriteLine($"{damaged.Count} damaged manifest(s): those copies cannot be verified or restored.{(exitCode == ExitCodes.Success ? " Use --strict to exit 1." : string.Empty)}");
            }

            return exitCode;
        }));
        return new Command("backups", "Inspect the backups in storage.") { list };
    }

    private static string Kind(BackupKind kind) => kind == BackupKind.Base ? "base" : "logical";

    /// <summary>One backup of the <c>--json</c> output.</summary>
    /// <remarks>
    /// A damaged backup (its manifest cannot be trusted) has status <c>damaged</c>, only its id, kind, location and problem.
    /// <c>kind</c> is <c>logical</c> or <c>base</c>; a base backup has its WAL range in <c>wal</c>.
    /// </remarks>
    internal sealed record Item(
        string Id,
        string? Tier,
        BackupFormat? Format,
        string Status,
        string? Sha256,
        long? SizeBytes,
        DateTimeOffset? StartedAt,
        DateTimeOffset? CompletedAt,
        DateTimeOffset? VerifiedAt,
        IReadOnlyList<string> Locations,
        string? EncryptionKeyId,
        string? Problem,
        BackupKind Kind,
        BackupWalRange? Wal,
        string? ParentId);
}
