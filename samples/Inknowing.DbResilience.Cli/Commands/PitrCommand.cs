using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;
using NpgsqlTypes;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience pitr restore | window | drill</c>: point-in-time recovery.</summary>
internal static class PitrCommand
{
    public static Command Create()
    {
        var command = new Command("pitr", "Point-in-time recovery: restore to a moment, show the recoverable window, run a drill.");
        command.Subcommands.Add(CreateRestore());
        command.Subcommands.Add(CreateWindow());
        command.Subcommands.Add(CreateDrill());
        command.Subcommands.Add(CreateSetup());
        return command;
    }

    private static Command CreateSetup()
    {
        var archiveCommand = new Option<string?>("--archive-command") { Description = "The wanted archive_command, such as 'DBRESILIENCE_STORAGE=file:///var/backups/db /opt/dbresilience/dbresilience wal-push %p'; omit when WAL is only streamed." };
        var apply = new Option<bool>("--apply") { Description = "Change what is not good enough with ALTER SYSTEM and reload (needs superuser); otherwise only check." };
        var command = new Command("setup", "Check (and with --apply set) wal_level, archive_mode, archive_command, archive_timeout, max_wal_senders, max_replication_slots; say which need a restart. Exit 1 while any is not good.");
        command.Options.Add(archiveCommand);
        command.Options.Add(apply);
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var setup = host.GetRequiredService<PointInTimeSetup>();
            var checks = parse.GetValue(apply)
                ? await setup.ApplyAsync(parse.GetValue(archiveCommand), cancellationToken)
                : await setup.CheckAsync(parse.GetValue(archiveCommand), cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(checks);
            }
            else
            {
                foreach (var check in checks)
                {
                    Console.WriteLine($"{(check.Ok ? "ok  " : "FIX ")} {check.Name,-22} {check.Current} (wanted {check.Wanted}){(check.NeedsRestart ? "  needs a restart" : string.Empty)}");
                }
            }

            return checks.All(c => c.Ok) ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command CreateRestore()
    {
        var targetDir = new Option<string>("--target-dir") { Description = "The new data directory to restore into (must not exist or be empty, unless --force).", Required = true };
        var time = new Option<string?>("--time") { Description = "Recover to this time (ISO 8601; UTC unless an offset is given)." };
        var lsn = new Option<string?>("--lsn") { Description = "Recover to this WAL location, such as 0/3000100." };
        var xid = new Option<ulong?>("--xid") { Description = "Recover until this transaction id has committed." };
        var name = new Option<string?>("--name") { Description = "Recover to this named restore point (pg_create_restore_point; the migration engine makes one before each migration)." };
        var latest = new Option<bool>("--latest") { Description = "Replay every archived WAL file." };
        var immediate = new Option<bool>("--immediate") { Description = "Stop as soon as the base backup is consistent." };
        var backup = new Option<string?>("--backup") { Description = "The base backup id to start from (default: chosen for the target)." };
        var start = new Option<bool>("--start") { Description = "Start the restored cluster, wait until recovery has ended and report where it stopped; it keeps running." };
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1 the restored cluster listens on (default: a free one)." };
        var allowEarlyStop = new Option<bool>("--allow-early-stop")
        {
            Description = "With --latest, --xid or --name: when a WAL file is missing or damaged, recover up to the last consistent point before it "
                + "instead of refusing, and report where recovery stopped and what was not replayed.",
        };
        var force = new Option<bool>("--force")
        {
            Description = "Replace a target directory that is not empty (such as one a killed restore left) and its -wal staging directory: "
                + "a server running in it is stopped and everything in both is deleted, once the restore's plan has been checked.",
        };
        var command = new Command(
            "restore",
            "Restore a base backup into a new data directory and replay WAL to a point. Exactly one of --time, --lsn, --xid, --name, --latest, --immediate. "
            + "Every WAL file the target needs is checked before anything starts; a gap or a damaged file is refused (exit 1, naming it) unless --allow-early-stop. "
            + "With --start, where replay ended is compared with the target: a restore short of it fails.");
        foreach (var option in new Option[] { targetDir, time, lsn, xid, name, latest, immediate, backup, start, port, allowEarlyStop, force, GlobalOptions.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var target = ParseTarget(parse.GetValue(time), parse.GetValue(lsn), parse.GetValue(xid), parse.GetValue(name), parse.GetValue(latest), parse.GetValue(immediate));
            await using var host = PitrHost.Build(parse, database: true);
            // Through the restore service like every restore: it selects the point-in-time strategy for a base backup and records the restore.
            var request = new RestoreRequest
            {
                BackupId = parse.GetValue(backup) ?? "latest",
                PointInTime = target,
                TargetDirectory = parse.GetValue(targetDir)!,
                StartServer = parse.GetValue(start),
                Port = parse.GetValue(port),
                AllowEarlyStop = parse.GetValue(allowEarlyStop),
                Force = parse.GetValue(force),
            };
            var restored = await host.GetRequiredService<IRestoreService>().RestoreAsync(request, cancellationToken);
            var result = (restored as BaseBackupRestoreResult)?.PointInTime
                ?? throw new RestoreException($"Restore strategy {restored.Strategy} restored {restored.BackupId} but reported no point-in-time result; check the application's restore strategies.");
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new RestoreOutput(
                    result.TargetDirectory,
                    result.WalStagingDirectory,
                    result.Target.ToString(),
                    result.BaseBackup.Id,
                    result.WalFilesStaged,
                    result.Port,
                    result.Cluster is not null,
                    result.RecoveryStop,
                    result.ExpectedReplayLsn,
                    result.ReplayedToLsn,
                    result.LastReplayedCommit,
                    result.EarlyStop,
                    result.Duration.TotalSeconds));
            }
            else
            {
                Console.WriteLine($"restored base backup {result.BaseBackup.Id} into {result.TargetDirectory} for {result.Target} ({result.WalFilesStaged} WAL file(s) staged, {result.Duration.TotalSeconds:F1} s)");
                Console.WriteLine(result.Cluster is not null
                    ? $"running on 127.0.0.1:{result.Port}; recovery: {result.RecoveryStop}; replayed to {result.ReplayedToLsn}"
                    : $"start it with: pg_ctl start -D {result.TargetDirectory} (as the postgres user); restore_command reads {result.WalStagingDirectory}"
                      + (result.ExpectedReplayLsn is null ? string.Empty : $"; once recovery has ended, SELECT pg_last_wal_replay_lsn() must be past {result.ExpectedReplayLsn}"));
                if (result.EarlyStop is { } early)
                {
                    Console.WriteLine($"EARLY STOP (allowed): {early.Reason}");
                    Console.WriteLine($"  stopped at      {early.StopLsn}{(early.StopTime is { } at ? $", last replayed commit {at:O}" : string.Empty)} (last replayed WAL stored {early.LastReplayedStoredAt:O})");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  not replayed    {early.FilesNotReplayed} WAL file(s), {early.BytesNotReplayed} bytes, from {early.FirstNotReplayed} to {early.ArchiveEndLsn} (stored up to {early.ArchiveEndStoredAt:O})"));
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateWindow()
    {
        var command = new Command(
            "window",
            "Show the recoverable window (earliest and latest restorable time and LSN) after reading and checking every base backup and WAL file in it "
            + "(size, SHA-256 against the manifest and the storage's record, WAL structure). Exit 1 on a gap, a damaged file or manifest, a missing history file or nothing to restore.");
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var window = await host.GetRequiredService<PointInTimeRestorer>().VerifyWindowAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(WindowOutput.From(window));
            }
            else
            {
                Console.WriteLine($"window        {window.Describe()}");
                Console.WriteLine($"base backups  {window.BaseBackups.Count} ({window.RestorableBaseBackups.Count} restorable)");
                Console.WriteLine($"WAL files     {window.WalFiles}");
                Console.WriteLine(window.Problems.Count == 0 ? "WAL chain     OK" : $"WAL chain     {window.Problems.Count} problem(s)");
                foreach (var problem in window.Problems)
                {
                    Console.WriteLine("  - " + problem.Message);
                }

                foreach (var incomplete in window.IncompleteBaseBackups)
                {
                    Console.WriteLine("  - not a complete base backup: " + incomplete);
                }
            }

            return window.IsRecoverable && window.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command CreateDrill()
    {
        var command = new Command("drill", "Insert a marker row, delete it, restore to before the delete into a throwaway cluster, check the marker; report RTO and RPO. Exit 1 when it fails.");
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var report = await host.GetRequiredService<PointInTimeDrill>().RunAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(DrillOutput.From(report));
            }
            else
            {
                foreach (var step in report.Steps)
                {
                    Console.WriteLine($"{(step.Passed ? "ok  " : "FAIL")} {step.Name,-13} {step.Duration.TotalSeconds,6:F1} s  {step.Details}");
                }

                Console.WriteLine($"result {(report.Passed ? "PASSED" : "FAILED")}: RTO {report.Rto?.TotalSeconds:F1} s, RPO {report.Rpo?.TotalSeconds:F1} s, archive lag {report.ArchiveLag?.TotalSeconds:F1} s");
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static PointInTimeTarget ParseTarget(string? time, string? lsn, ulong? xid, string? name, bool latest, bool immediate)
    {
        var given = new[] { time is not null, lsn is not null, xid is not null, name is not null, latest, immediate }.Count(g => g);
        if (given != 1)
        {
            throw new DbResilienceConfigurationException("Give exactly one target: --time, --lsn, --xid, --name, --latest or --immediate.");
        }

        if (time is not null)
        {
            return DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? PointInTimeTarget.AtTime(parsed)
                : throw new DbResilienceConfigurationException($"--time '{time}' is not a time: use ISO 8601 such as 2026-11-21T02:00:00Z.");
        }

        if (lsn is not null)
        {
            return NpgsqlLogSequenceNumber.TryParse(lsn, out var parsed)
                ? PointInTimeTarget.AtLsn(parsed.ToString())
                : throw new DbResilienceConfigurationException($"--lsn '{lsn}' is not a WAL location: use the form 0/3000100.");
        }

        if (xid is { } transaction)
        {
            return PointInTimeTarget.AtTransaction(transaction);
        }

        if (name is not null)
        {
            try
            {
                return PointInTimeTarget.AtRestorePoint(name);
            }
            catch (ArgumentException ex)
            {
                throw new DbResilienceConfigurationException("--name: " + ex.Message);
            }
        }

        return latest ? PointInTimeTarget.Latest : PointInTimeTarget.Immediate;
    }

    /// <summary>The <c>--json</c> output of <c>pitr window</c>: the recoverable window, each base backup in the shape <c>basebackup --json</c> writes.</summary>
    internal sealed record WindowOutput(
        DateTimeOffset? Earliest,
        string? EarliestLsn,
        DateTimeOffset? Latest,
        string? LatestLsn,
        uint? LatestTimeline,
        IReadOnlyList<BaseBackupCommand.Output> BaseBackups,
        IReadOnlyList<string> RestorableBaseBackups,
        IReadOnlyList<string> IncompleteBaseBackups,
        int WalFiles,
        IReadOnlyList<WalChainProblem> Problems,
        bool IsRecoverable)
    {
        public static WindowOutput From(RecoverableWindow window) => new(
            window.Earliest,
            window.EarliestLsn,
            window.Latest,
            window.LatestLsn,
            window.LatestTimeline,
            window.BaseBackups.Select(BaseBackupCommand.Output.From).ToList(),
            window.RestorableBaseBackups,
            window.IncompleteBaseBackups,
            window.WalFiles,
            window.Problems,
            window.IsRecoverable);
    }

    /// <summary>
    /// The <c>--json</c> output of <c>pitr drill</c>: the fields it has always written (<c>succeeded</c> and <c>detail</c> per step,
    /// <c>baseBackupId</c>, durations as <c>hh:mm:ss</c>), then those of the one drill report (<c>kind</c>, <c>backupId</c>,
    /// <c>rtoSeconds</c>, <c>rtoObjectiveSeconds</c>, <c>failureReason</c>; <c>passed</c> and <c>details</c> per step).
    /// </summary>
    internal sealed record DrillOutput(
        bool Passed,
        IReadOnlyList<DrillOutputStep> Steps,
        string? Marker,
        DateTimeOffset? TargetTime,
        string? BaseBackupId,
        TimeSpan? Rto,
        TimeSpan? Rpo,
        TimeSpan? ArchiveLag,
        string? RecoveryStop,
        TimeSpan Duration,
        BackupKind Kind,
        string? BackupId,
        double? RtoSeconds,
        double RtoObjectiveSeconds,
        string? FailureReason)
    {
        public static DrillOutput From(DrillReport report) => new(
            report.Passed,
            report.Steps.Select(s => new DrillOutputStep(s.Name, s.Passed, s.Duration, s.Details, s.Passed, s.Duration.TotalSeconds, s.Details)).ToList(),
            report.Marker,
            report.TargetTime,
            report.BackupId,
            report.Rto,
            report.Rpo,
            report.ArchiveLag,
            report.RecoveryStop,
            report.Duration,
            report.Kind,
            report.BackupId,
            report.Rto?.TotalSeconds,
            report.RtoObjective.TotalSeconds,
            report.FailureReason);
    }

    /// <summary>One step of <see cref="DrillOutput"/>, under its former names and the drill report's.</summary>
    internal sealed record DrillOutputStep(string Name, bool Succeeded, TimeSpan Duration, string Detail, bool Passed, double DurationSeconds, string Details);

    /// <summary>The <c>--json</c> output of <c>pitr restore</c>.</summary>
    internal sealed record RestoreOutput(
        string TargetDirectory,
        string WalStagingDirectory,
        string Target,
        string BaseBackup,
        int WalFilesStaged,
        int Port,
        bool Started,
        string? RecoveryStop,
        string? ExpectedReplayLsn,
        string? ReplayedToLsn,
        DateTimeOffset? LastReplayedCommit,
        PointInTimeEarlyStop? EarlyStop,
        double DurationSeconds);
}
