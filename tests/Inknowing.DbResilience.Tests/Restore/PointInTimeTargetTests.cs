using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Tests.Restore;

public sealed class PointInTimeTargetTests
{
    [TestCase("0/3000100")]
    [TestCase("16/b374d848")]
    public void AtLsn_WalLocation_KeptAsUpperCaseText(string lsn)
    {
        var target = PointInTimeTarget.AtLsn(lsn);

        target.Kind.Should().Be(PointInTimeTargetKind.Lsn);
        target.Lsn.Should().Be(lsn.ToUpperInvariant());
        target.ToString().Should().Be("lsn " + lsn.ToUpperInvariant());
    }

    [TestCase("3000100")]
    [TestCase("0/")]
    [TestCase("0/xyz")]
    [TestCase("1/2/3")]
    [TestCase("123456789/0")]
    public void AtLsn_NotAWalLocation_ThrowsNamingTheForm(string lsn)
    {
        var create = () => PointInTimeTarget.AtLsn(lsn);

        create.Should().Throw<ArgumentException>().WithMessage($"*'{lsn}'*0/3000100*");
    }

    [Test]
    public void AtRestorePoint_LongerThan63Bytes_Throws()
    {
        var create = () => PointInTimeTarget.AtRestorePoint(new string('é', 32));

        create.Should().Throw<ArgumentException>().WithMessage("*63 bytes*");
    }

    [Test]
    public void Factories_EachKind_CarryOnlyTheirValue()
    {
        var time = new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

        PointInTimeTarget.AtTime(time).Should().BeEquivalentTo(new { Kind = PointInTimeTargetKind.Time, Time = (DateTimeOffset?)time, Lsn = (string?)null, TransactionId = (ulong?)null, RestorePoint = (string?)null });
        PointInTimeTarget.AtTransaction(812).Should().BeEquivalentTo(new { Kind = PointInTimeTargetKind.TransactionId, Time = (DateTimeOffset?)null, TransactionId = (ulong?)812 });
        PointInTimeTarget.AtRestorePoint("before_42").ToString().Should().Be("restorepoint before_42");
        PointInTimeTarget.Latest.ToString().Should().Be("latest");
        PointInTimeTarget.Immediate.Kind.Should().Be(PointInTimeTargetKind.Immediate);
    }
}
