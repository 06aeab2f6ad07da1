using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Storage;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

// Planning a restore (pure functions of the chain and the request): the base backup, the WAL a target needs, an early stop,
// and whether replay reached the target.
public sealed partial class PointInTimeRestorer
{
    /// <summary>Tells whether a target needs WAL up to a point only the server finds (latest, a transaction id, a restore point).</summary>
    private static bool OpenEnded(RecoveryTarget target)
        => target.Kind is RecoveryTargetKind.Latest or RecoveryTargetKind.TransactionId or RecoveryTargetKind.RestorePoint;

    /// <summary>
    /// Works out the WAL to stage from a base backup (the whole unbroken chain, so the server can find a target by itself), how
    /// many of those files the target certainly needs (all for latest, a transaction id or a restore point), and what the archive
    /// holds beyond a break.
    /// </summary>
    private static (List<(WalFileName File, StorageObjectInfo Info)> Files, int Needed, WalChain.ChainBreak? Break) PlanWal(WalChain chain, BackupManifest backup, RecoveryTarget target)
    {
        var walked = chain.Walk(backup.StartSegment()).ToList();
        int needed;
        switch (target.Kind)
        {
            case RecoveryTargetKind.Time:
                // At least up to the first file stored at or after the time (the window's own rule); the server stops at the target.
                var time = target.Time!.Value;
                var reach = walked.FindIndex(f => f.Info.LastModified >= time);
                needed = reach < 0 ? walked.Count : reach + 1;
                break;
            case RecoveryTargetKind.Lsn:
                var lsn = (ulong)target.Lsn!.Value;
                needed = walked.Count(f => (ulong)f.File.Segment!.Value.StartLsn <= lsn);
                walked = walked.Take(needed).ToList();
                break;
            case RecoveryTargetKind.Immediate:
                needed = walked.Count(f => f.File.Segment!.Value <= backup.StopSegment() with { Timeline = f.File.Segment!.Value.Timeline });
                walked = walked.Take(needed).ToList();
                break;
            default:
                return (walked, walked.Count, walked.Count > 0 ? chain.FindBreak(walked) : null);
        }

        return (walked, needed, null);
    }

    private static PointInTimeEarlyStop DescribeEarlyStop(
        string reason,
        string firstNotReplayed,
        IReadOnlyList<StagedFile> replayed,
        BackupManifest backup,
        IReadOnlyList<(WalFileName File, StorageObjectInfo Info)> notReplayed)
    {
        var last = notReplayed.Count > 0 ? notReplayed[^1] : default;
        var lastSegment = last.File?.Segment;
        var end = lastSegment is { } segment
            ? last.File!.Kind == WalFileKind.Partial
                ? new NpgsqlLogSequenceNumber((ulong)segment.StartLsn + (ulong)Math.Min(last.Info.Size, WalSegmentName.SegmentSize))
                : segment.EndLsn
            : backup.StopLsn();
        var stop = replayed.LastOrDefault(f => f.Check?.LastRecordEnd is not null)?.Check!.LastRecordEnd ?? backup.StopLsn();
        return new PointInTimeEarlyStop
        {
            Reason = reason,
            FirstNotReplayed = firstNotReplayed,
            StopLsn = stop.ToString(),
            LastReplayedStoredAt = replayed.Count > 0 ? replayed[^1].Info.LastModified : backup.CompletedAt,
            FilesNotReplayed = notReplayed.Count,
            BytesNotReplayed = notReplayed.Sum(f => f.Info.Size),
            ArchiveEndLsn = end.ToString(),
            ArchiveEndStoredAt = notReplayed.Count > 0 ? last.Info.LastModified : backup.CompletedAt,
        };
    }

    /// <summary>The least replay position that proves the target was reached, for the targets PostgreSQL does not check itself.</summary>
    private static (NpgsqlLogSequenceNumber Lsn, bool Exclusive)? ExpectedReplay(RecoveryTarget target, IReadOnlyList<StagedFile> staged, BackupManifest backup)
    {
        if (target.Kind == RecoveryTargetKind.Lsn)
        {
            return (target.Lsn!.Value, false);
        }

        if (target.Kind != RecoveryTargetKind.Latest)
        {
            return null;
        }

        // Replay must have applied the last complete record of the staged WAL: its end lies after its start.
        return staged.LastOrDefault(f => f.Check?.LastRecordStart is not null)?.Check!.LastRecordStart is { } start
            ? (start, true)
            : (backup.StopLsn(), false);
    }

    /// <exception cref="PointInTimeException">Recovery ended short of the target.</exception>
    private static void CheckReachedTarget(RecoveryTarget target, (NpgsqlLogSequenceNumber Lsn, bool Exclusive)? expected, NpgsqlLogSequenceNumber? replayed, string? stop, PointInTimeEarlyStop? earlyStop)
    {
        if (expected is { } least)
        {
            var reached = replayed is { } at && (least.Exclusive ? (ulong)at > (ulong)least.Lsn : (ulong)at >= (ulong)least.Lsn);
            if (!reached)
            {
                throw new PointInTimeException(
                    $"Recovery ended at {replayed?.ToString() ?? "an unknown position"}, short of {least.Lsn}, "
                    + (target.Kind == RecoveryTargetKind.Lsn ? "the target LSN" : earlyStop is null ? "the end of the archived WAL" : "the last consistent point before the damaged or missing WAL")
                    + $": the restored cluster would lack what was written after that. It was stopped and removed. Server: {stop ?? "no recovery message"}.");
            }
        }
        else if (target.Kind is not RecoveryTargetKind.Latest && (stop is null || !stop.StartsWith("recovery stopping", StringComparison.Ordinal)))
        {
            throw new PointInTimeException(
                $"Recovery to {target} ended without the server saying it reached the target (it said: {stop ?? "nothing"}). The restored cluster was stopped and removed.");
        }
    }

    /// <summary>Picks the base backup for a target, refusing targets outside the window before anything is written.</summary>
    internal static BackupManifest ChooseBaseBackup(WalChain chain, PointInTimeRestoreRequest request)
    {
        var window = chain.Window;
        var restorable = window.BaseBackups.Where(b => chain.Ends.ContainsKey(b.Id)).ToList();
        if (restorable.Count == 0)
        {
            var why = string.Concat(window.Problems.Select(p => " " + p.Message).Concat(window.IncompleteBaseBackups.Select(i => $" {i}.")));
            throw new PointInTimeException(
                $"No base backup can be restored: {window.BaseBackups.Count} base backup(s) and {window.WalFiles} WAL file(s) are stored.{why} "
                + "Take a base backup (dbresilience basebackup) with WAL archiving on.");
        }

        if (request.BaseBackupId is { } id)
        {
            return restorable.FirstOrDefault(b => string.Equals(b.Id, id, StringComparison.Ordinal))
                ?? throw new PointInTimeException(
                    $"The base backup '{id}' is not among the restorable ones ({string.Join(", ", restorable.Select(b => b.Id))}).");
        }

        var target = request.Target;
        switch (target.Kind)
        {
            case RecoveryTargetKind.Time:
                var time = target.Time!.Value;
                if (time < window.Earliest || time > window.Latest)
                {
                    throw OutsideWindow(target, window);
                }

                var before = restorable.Where(b => b.CompletedAt <= time && chain.Ends[b.Id].LastModified >= time).ToList();
                return before.Count > 0 ? before[^1] : throw OutsideWindow(target, window);

            case RecoveryTargetKind.Lsn:
                var lsn = (ulong)target.Lsn!.Value;
                var candidates = restorable.Where(b => (ulong)b.StopLsn() <= lsn && (ulong)chain.Ends[b.Id].Lsn >= lsn).ToList();
                return candidates.Count > 0 ? candidates[^1] : throw OutsideWindow(target, window);

            case RecoveryTargetKind.TransactionId:
            case RecoveryTargetKind.RestorePoint:
                return restorable[0];

            default:
                return restorable[^1];
        }
    }

    private static PointInTimeException OutsideWindow(RecoveryTarget target, RecoverableWindow window)
        => new($"The target {target} is outside the recoverable window {window.Describe()}. Nothing was written. "
            + "Choose a target inside the window, or --latest.");
}
