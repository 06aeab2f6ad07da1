using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Tests.Backups;

public sealed class BackupIdTests
{
    [Test]
    public void New_UtcTimeAndTier_FormatsSortableId()
    {
        var id = BackupId.New(new DateTimeOffset(2026, 11, 21, 3, 0, 5, TimeSpan.FromHours(1)), "daily");

        id.Value.Should().MatchRegex("^20261121T020005Z-daily-[0-9a-f]{4}$");
        id.Timestamp.Should().Be(new DateTimeOffset(2026, 11, 21, 2, 0, 5, TimeSpan.Zero));
        id.Tier.Should().Be("daily");
    }

    [Test]
    public void New_LaterTime_SortsAfterInOrdinalOrder()
    {
        var first = BackupId.New(new DateTimeOffset(2026, 1, 9, 23, 59, 59, TimeSpan.Zero), "weekly");
        var second = BackupId.New(new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero), "daily");

        string.CompareOrdinal(first.Value, second.Value).Should().BeNegative();
    }

    [TestCase("")]
    [TestCase("latest")]
    [TestCase("20261121T020005Z-daily")]
    [TestCase("20261321T020005Z-daily-3f9a")]
    [TestCase("20261121T020005Z-../x-3f9a")]
    public void Parse_NotAnId_ThrowsNamingIt(string text)
    {
        var parse = () => BackupId.Parse(text);

        parse.Should().Throw<FormatException>().WithMessage($"'{text}' is not a backup id*");
    }

    [Test]
    public void New_TierWithSlash_Throws()
    {
        var create = () => BackupId.New(DateTimeOffset.UnixEpoch, "../etc");

        create.Should().Throw<ArgumentException>().WithParameterName("tier");
    }
}
