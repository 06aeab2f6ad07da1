using Inknowing.DbResilience.PostgreSql.PointInTime;
using NpgsqlTypes;

namespace Inknowing.DbResilience.Tests.PointInTime;

public sealed class WalSegmentNameTests
{
    [TestCase("0/2000028", "000000010000000000000002")]
    [TestCase("0/FFFFFFFF", "0000000100000000000000FF")]
    [TestCase("1/0", "000000010000000100000000")]
    [TestCase("2A/3B000000", "000000010000002A0000003B")]
    public void FromLsn_Lsn_NamesTheSegmentThatHoldsIt(string lsn, string expected)
        => WalSegmentName.FromLsn(1, NpgsqlLogSequenceNumber.Parse(lsn)).ToString().Should().Be(expected);

    [Test]
    public void Next_LastSegmentOfLogId_MovesToNextLogId()
        => WalSegmentName.Parse("0000000200000000000000FF").Next().ToString().Should().Be("000000020000000100000000");

    [Test]
    public void StartLsnAndEndLsn_Segment_SpanSixteenMebibytes()
    {
        var segment = WalSegmentName.Parse("000000010000000300000004");
        segment.StartLsn.ToString().Should().Be("3/4000000");
        segment.EndLsn.ToString().Should().Be("3/5000000");
    }

    [TestCase("00000001000000000000000")]
    [TestCase("0000000100000000000001000")]
    [TestCase("000000010000000000000100")]
    [TestCase("000000000000000000000001")]
    [TestCase("00000001000000000000000G")]
    public void TryParse_NotASegmentName_ReturnsFalse(string name)
        => WalSegmentName.TryParse(name, out _).Should().BeFalse();

    [Test]
    public void Parse_NotASegmentName_ThrowsNamingIt()
        => FluentActions.Invoking(() => WalSegmentName.Parse("nope")).Should().Throw<FormatException>().WithMessage("*'nope'*");

    [Test]
    public void CompareTo_PositionFirst_ThenTimeline()
    {
        var a = WalSegmentName.Parse("000000020000000000000003");
        var b = WalSegmentName.Parse("000000010000000000000004");
        (a < b).Should().BeTrue();
        (WalSegmentName.Parse("000000010000000000000004") < WalSegmentName.Parse("000000020000000000000004")).Should().BeTrue();
    }

    [TestCase("000000010000000000000003", WalFileKind.Segment, 1u)]
    [TestCase("000000010000000000000003.partial", WalFileKind.Partial, 1u)]
    [TestCase("0000000A.history", WalFileKind.History, 10u)]
    [TestCase("000000020000000000000003.00000028.backup", WalFileKind.BackupHistory, 2u)]
    public void WalFileName_Parse_KnownKinds_KeyUnderTimeline(string name, WalFileKind kind, uint timeline)
    {
        var file = WalFileName.Parse(name);
        file.Kind.Should().Be(kind);
        file.Timeline.Should().Be(timeline);
        file.Key.Should().Be($"wal/{timeline:X8}/{name}");
    }

    [TestCase("../etc/passwd")]
    [TestCase("000000010000000000000003/../x")]
    [TestCase("RECOVERYXLOG")]
    [TestCase("00000000.history")]
    public void WalFileName_Parse_Other_ThrowsArgumentException(string name)
        => FluentActions.Invoking(() => WalFileName.Parse(name)).Should().Throw<ArgumentException>().WithMessage($"*'{name}'*");
}
