using System.CommandLine;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.PointInTime;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience basebackup</c>: takes a physical base backup with pg_basebackup into every storage.</summary>
internal static class BaseBackupCommand
{
    public static Command Create()
    {
        var command = new Command("basebackup", "Take a physical base backup (pg_basebackup, lz4) into every storage, with a manifest of its LSNs, timeline and SHA-256. It is listed, verified and pruned with the logical backups (backups list, verify ID, prune).");
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var manifest = await host.GetRequiredService<BaseBackupService>().CreateAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(Output.From(manifest));
            }
            else
            {
                var wal = manifest.Wal!;
                Console.WriteLine($"base backup {manifest.Id}: {manifest.SizeBytes / 1024.0 / 1024.0:F1} MiB {manifest.DumpCompression}, WAL {wal.StartLsn} to {wal.StopLsn} on timeline {wal.Timeline}, PostgreSQL {manifest.ServerVersion}");
                Console.WriteLine($"stored in {string.Join(", ", manifest.Locations)}; sha256 {manifest.Sha256}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// One base backup in <c>--json</c> output (<c>basebackup</c>, <c>pitr window</c>): the fields these commands have always
    /// written (<c>dataKey</c>, <c>size</c>, <c>startLsn</c>, ...; <c>startSegment</c> and <c>stopSegment</c> are now the WAL file
    /// names), then the backup's kind, status and files as <c>backups list</c> shows them.
    /// </summary>
    internal sealed record Output(
        int FormatVersion,
        string Id,
        string DataKey,
        BaseBackupCompression Compression,
        long Size,
        string Sha256,
        string StartLsn,
        string StopLsn,
        uint Timeline,
        DateTimeOffset StartTime,
        DateTimeOffset StopTime,
        string PostgreSqlVersion,
        IReadOnlyList<string> Storages,
        string StartSegment,
        string StopSegment,
        BackupKind Kind,
        BackupStatus Status,
        DateTimeOffset? VerifiedAt,
        string? ParentId,
        string? EncryptionKeyId,
        IReadOnlyList<BackupFile> Files)
    {
        public static Output From(BackupManifest manifest)
        {
            var wal = manifest.Wal ?? throw new InvalidOperationException($"{manifest.Id} is not a base backup.");
            var data = manifest.GetDataFile();
            return new Output(
                manifest.FormatVersion,
                manifest.Id,
                BackupLayout.FileKey(manifest.Kind, manifest.Id, data.Name),
                data.Name.EndsWith(".zst", StringComparison.Ordinal) ? BaseBackupCompression.Zstd : BaseBackupCompression.Lz4,
                manifest.SizeBytes,
                manifest.Sha256,
                wal.StartLsn,
                wal.StopLsn,
                wal.Timeline,
                manifest.StartedAt,
                manifest.CompletedAt,
                manifest.ServerVersion,
                manifest.Locations,
                WalSegmentName.FromLsn(wal.Timeline, NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(wal.StartLsn)).ToString(),
                WalSegmentName.FromLsn(wal.Timeline, NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(wal.StopLsn)).ToString(),
                manifest.Kind,
                manifest.Status,
                manifest.VerifiedAt,
                manifest.ParentId,
                manifest.Encryption?.KeyId,
                manifest.Files);
        }
    }
}
