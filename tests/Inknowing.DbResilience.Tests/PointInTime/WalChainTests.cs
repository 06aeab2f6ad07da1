using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using NpgsqlTypes;

namespace Inknowing.DbResilience.Tests.PointInTime;

public sealed class WalChainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    [Test]
    public void Analyze_WholeChain_WindowFromBackupStopToLastSegment()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], Segments(1, 2, 3, 4, 5));

        chain.Window.Problems.Should().BeEmpty();
        chain.Window.RestorableBaseBackups.Should().Equal("a");
        chain.Window.EarliestLsn.Should().Be("0/2000100");
        chain.Window.LatestLsn.Should().Be("0/6000000");
        chain.Window.Latest.Should().Be(T0.AddMinutes(5));
    }

    [Test]
    public void Analyze_MissingSegment_ReportsGapAndStopsWindowBeforeIt()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], Segments(1, 2, 3, 5, 6));

        var gap = chain.Window.Problems.Should().ContainSingle().Which;
        gap.Kind.Should().Be(WalChainProblemKind.Gap);
        gap.Missing.Should().Be("000000010000000000000004");
        chain.Window.LatestLsn.Should().Be("0/4000000");
    }

    [Test]
    public void Analyze_BackupWithoutItsWal_IsNotRestorable()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/3000100")], Segments(1, 2));

        chain.Window.IsRecoverable.Should().BeFalse();
        chain.Window.Problems.Should().ContainSingle(p => p.Kind == WalChainProblemKind.UnrestorableBaseBackup && p.Missing == "000000010000000000000003");
    }

    [Test]
    public void Analyze_TimelineSwitchWithHistory_FollowsNewTimeline()
    {
        var files = Segments(1, 2, 3).Concat(Segments(2, 3, 4)).ToList();
        var histories = new Dictionary<uint, (uint, ulong)> { [2] = (1, 0x3_000_100) };
        var chain = WalChain.Analyze([Backup("a", "0/2000028", "0/2000100")], files, histories);

        chain.Window.Problems.Should().BeEmpty();
        chain.Window.LatestTimeline.Should().Be(2);
        chain.Window.LatestLsn.Should().Be("0/5000000");
    }

    [Test]
    public void Analyze_TimelineWithoutHistory_ReportsMissingHistory()
    {
        var files = Segments(1, 2, 3).Concat(Segments(2, 4)).ToList();
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], files);

        chain.Window.Problems.Should().Contain(p => p.Kind == WalChainProblemKind.MissingHistory && p.Missing == "00000002.history");
    }

    [Test]
    public void FindBreak_MissingMiddleSegment_NamesItAndEverythingBehindIt()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], Segments(1, 2, 3, 5, 6));

        var walked = chain.Walk(WalSegmentName.Parse("000000010000000000000002")).ToList();
        var found = chain.FindBreak(walked)!;

        found.Missing.Should().Be("000000010000000000000004");
        found.Unreachable.Select(u => u.File.Name).Should().Equal("000000010000000000000005", "000000010000000000000006");
        found.Message.Should().Contain("000000010000000000000004 is missing").And.Contain("2 later WAL file(s)");
    }

    [Test]
    public void FindBreak_WholeChain_None()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], Segments(1, 2, 3));

        chain.FindBreak(chain.Walk(WalSegmentName.Parse("000000010000000000000002")).ToList()).Should().BeNull();
    }

    [Test]
    public void FindBreak_LaterTimelineWithoutHistory_NamesTheHistoryFile()
    {
        var files = Segments(1, 2, 3).Concat(Segments(2, 3, 4)).ToList();
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], files);

        var found = chain.FindBreak(chain.Walk(WalSegmentName.Parse("000000010000000000000002")).ToList())!;

        found.Missing.Should().Be("00000002.history");
        found.Unreachable.Should().HaveCount(2);
    }

    [Test]
    public void FindBreak_SegmentsOfAnAbandonedOlderTimeline_AreNotCounted()
    {
        var files = Segments(1, 2, 3, 4, 5).Concat(Segments(2, 3, 4)).ToList();
        var histories = new Dictionary<uint, (uint, ulong)> { [2] = (1, 0x3_000_100) };
        var chain = WalChain.Analyze([Backup("a", "0/2000028", "0/2000100")], files, histories);

        chain.FindBreak(chain.Walk(WalSegmentName.Parse("000000010000000000000002")).ToList()).Should().BeNull();
    }

    [TestCase("1\t0/3000100\tno recovery target specified\n", 2u, true)]
    [TestCase("1\t0/3000100\tx\n2\t0/5000000\ty\n", 3u, true)]
    [TestCase("1\t0/3000100\tx\n", 1u, false)]
    [TestCase("2\t0/5000000\ty\n1\t0/3000100\tx\n", 3u, false)]
    [TestCase("garbage\n", 2u, false)]
    [TestCase("", 2u, false)]
    public void CheckHistory_Content_ValidOnlyWhenOrdered(string content, uint timeline, bool valid)
        => (WalArchive.CheckHistory(content, timeline) is null).Should().Be(valid);

    [Test]
    public void ParseHistory_LastLine_IsParentAndSwitchPoint()
        => WalChain.ParseHistory("1\t0/3000100\tno recovery target specified\n2\t0/5000000\tbefore 2026-11-21\n")
            .Should().Be(((uint)2, (ulong)0x5000000));

    [Test]
    public void ChooseBaseBackup_TimeBeforeWindow_ThrowsWithWindow()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100")], Segments(1, 2, 3));
        var request = new PointInTimeRestoreRequest { TargetDirectory = "/x", Target = RecoveryTarget.AtTime(T0.AddDays(-1)) };

        FluentActions.Invoking(() => PointInTimeRestorer.ChooseBaseBackup(chain, request))
            .Should().Throw<PointInTimeException>().WithMessage("*outside the recoverable window*0/2000100*");
    }

    [Test]
    public void ChooseBaseBackup_Time_NewestBackupEndedBeforeIt()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100"), Backup("b", "0/4000028", "0/4000100", 4)], Segments(1, 2, 3, 4, 5, 6));

        PointInTimeRestorer.ChooseBaseBackup(chain, new PointInTimeRestoreRequest { TargetDirectory = "/x", Target = RecoveryTarget.AtTime(T0.AddMinutes(3)) }).Id.Should().Be("a");
        PointInTimeRestorer.ChooseBaseBackup(chain, new PointInTimeRestoreRequest { TargetDirectory = "/x", Target = RecoveryTarget.AtTime(T0.AddMinutes(5)) }).Id.Should().Be("b");
        PointInTimeRestorer.ChooseBaseBackup(chain, new PointInTimeRestoreRequest { TargetDirectory = "/x", Target = RecoveryTarget.AtRestorePoint("p") }).Id.Should().Be("a");
    }

    [Test]
    public void RecoveryTarget_Time_WritesUtcRecoveryTargetTime()
        => RecoveryTarget.AtTime(new DateTimeOffset(2026, 11, 21, 3, 4, 5, 678, TimeSpan.FromHours(1))).Value.Should().Be("2026-11-21 02:04:05.678000+00");

    [Test]
    public void FindRecoveryStop_Log_PrefersTheStoppingLine()
        => PointInTimeRestorer.FindRecoveryStop(
                "LOG:  recovery stopping before commit of transaction 812, time 2026-11-21\nLOG:  redo done at 0/3000100\nLOG:  archive recovery complete\n")
            .Should().Be("recovery stopping before commit of transaction 812, time 2026-11-21");

    [Test]
    public void RetentionPlan_KeepOne_RemovesOlderBackupAndOnlyWalBeforeTheKeptStart()
    {
        var files = Segments(1, 2, 3, 4, 5, 6).ToList();
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100"), Backup("b", "0/4000028", "0/4000100", 4)], files);
        var history = WalFileName.Parse("00000002.history");

        var plan = PointInTimeRetention.Plan(chain.Window, files.Select(f => f.Item1).Append(history).ToList(), keepBaseBackups: 1);

        plan.KeptBaseBackups.Should().Equal("b");
        plan.RemovedBaseBackups.Should().Equal("a");
        plan.OldestNeededSegment.Should().Be("000000010000000000000004");
        plan.RemovedWalFiles.Should().Equal("wal/00000001/000000010000000000000002", "wal/00000001/000000010000000000000003");
    }

    [Test]
    public void RetentionPlan_TwoBackupsInOneSecondWithTheNewerIdSmaller_KeepsTheNewerByWalOrder()
    {
        // Ids carry the second only; their random suffix must not decide which backup is newer.
        var files = Segments(1, 2, 3, 4, 5, 6).ToList();
        var chain = Analyze([Backup("20261122T031404Z-base-f36f", "0/2000028", "0/2000100"), Backup("20261122T031404Z-base-3ba6", "0/4000028", "0/4000100")], files);

        var plan = PointInTimeRetention.Plan(chain.Window, files.Select(f => f.Item1).ToList(), keepBaseBackups: 1);

        chain.Window.RestorableBaseBackups.Should().Equal("20261122T031404Z-base-f36f", "20261122T031404Z-base-3ba6");
        plan.KeptBaseBackups.Should().Equal("20261122T031404Z-base-3ba6");
        plan.RemovedBaseBackups.Should().Equal("20261122T031404Z-base-f36f");
        plan.OldestNeededSegment.Should().Be("000000010000000000000004");
    }

    [Test]
    public void SegmentAt_AfterPromotion_SegmentsBeforeTheSwitchKeepTheirTimelineAndTheSwitchSegmentIsNew()
    {
        IReadOnlyList<(uint, ulong)> history = WalChain.ParseHistoryLines("1\t0/3000100\tno recovery target specified\n2\t0/5000000\tbefore 2026-11-21\n");

        WalReceiver.SegmentAt(3, history, NpgsqlLogSequenceNumber.Parse("0/2000028")).ToString().Should().Be("000000010000000000000002");
        WalReceiver.SegmentAt(3, history, NpgsqlLogSequenceNumber.Parse("0/3000000")).ToString().Should().Be("000000020000000000000003");
        WalReceiver.SegmentAt(3, history, NpgsqlLogSequenceNumber.Parse("0/4FFFFFF")).ToString().Should().Be("000000020000000000000004");
        WalReceiver.SegmentAt(3, history, NpgsqlLogSequenceNumber.Parse("0/5000000")).ToString().Should().Be("000000030000000000000005");
        WalReceiver.SegmentAt(1, [], NpgsqlLogSequenceNumber.Parse("0/5000000")).ToString().Should().Be("000000010000000000000005");
    }

    [Test]
    public void RetentionPlan_NothingRestorable_RemovesNothing()
    {
        var chain = Analyze([Backup("a", "0/2000028", "0/3000100")], Segments(1, 2));

        var plan = PointInTimeRetention.Plan(chain.Window, Segments(1, 2).Select(f => f.Item1).ToList(), keepBaseBackups: 1);

        plan.RemovedBaseBackups.Should().BeEmpty();
        plan.RemovedWalFiles.Should().BeEmpty();
    }

    [Test]
    public void RetentionPlan_NewerUnrestorableBackup_KeepsTheRestorableOneAndItsWal()
    {
        var files = Segments(1, 2, 3).ToList();
        var chain = Analyze([Backup("a", "0/2000028", "0/2000100"), Backup("b", "0/5000028", "0/5000100", 5)], files);

        var plan = PointInTimeRetention.Plan(chain.Window, files.Select(f => f.Item1).ToList(), keepBaseBackups: 1);

        plan.KeptBaseBackups.Should().Equal("a", "b");
        plan.RemovedWalFiles.Should().BeEmpty();
    }

    private static WalChain Analyze(IReadOnlyList<BackupManifest> backups, IEnumerable<(WalFileName, StorageObjectInfo)> files)
        => WalChain.Analyze(backups, files, new Dictionary<uint, (uint, ulong)>());

    private static BackupManifest Backup(string id, string start, string stop, int minute = 2) => new()
    {
        Id = id,
        Tier = BackupLayout.BaseTier,
        Kind = BackupKind.Base,
        Format = BackupFormat.Tar,
        Status = BackupStatus.Completed,
        Database = "postgres",
        ServerVersion = "15.8",
        Tool = "pg_basebackup",
        ToolVersion = "15.8",
        StartedAt = T0.AddMinutes(minute - 1),
        CompletedAt = T0.AddMinutes(minute),
        SizeBytes = 1,
        Sha256 = new string('0', 64),
        Compression = BackupCompression.None,
        Locations = [],
        Files = [new BackupFile { Name = "base.tar.lz4", Role = BackupFileRole.Data, SizeBytes = 1, Sha256 = new string('0', 64), ContentSizeBytes = 1, ContentSha256 = new string('0', 64) }],
        Content = new BackupContentOptions(),
        Tables = [],
        Wal = new BackupWalRange { StartLsn = start, StopLsn = stop, Timeline = 1 },
    };

    private static IEnumerable<(WalFileName, StorageObjectInfo)> Segments(uint timeline, params int[] numbers)
        => numbers.Select(n =>
        {
            var name = new WalSegmentName(timeline, 0, (uint)n).ToString();
            var file = WalFileName.Parse(name);
            return (file, new StorageObjectInfo { Key = file.Key, Size = WalSegmentName.SegmentSize, LastModified = T0.AddMinutes(n) });
        });
}
