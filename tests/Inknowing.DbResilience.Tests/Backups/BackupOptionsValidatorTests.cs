using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Tests.Backups;

public sealed class BackupOptionsValidatorTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(9)]
    public void Validate_ArchiveCompressionLevelInRange_Succeeds(int level)
        => new BackupOptionsValidator().Validate(null, new BackupOptions { ArchiveCompressionLevel = level }).Succeeded.Should().BeTrue();

    [TestCase(-1)]
    [TestCase(10)]
    public void Validate_ArchiveCompressionLevelOutOfRange_FailsNamingTheSetting(int level)
    {
        var result = new BackupOptionsValidator().Validate(null, new BackupOptions { ArchiveCompressionLevel = level });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("BackupOptions.ArchiveCompressionLevel").And.Contain("1 to 9");
    }

    [Test]
    public void Defaults_ArchiveCompressionLevel_IsTwo()
        => new BackupOptions().ArchiveCompressionLevel.Should().Be(2);
}
