using System.Text;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Tests.Backups;

/// <summary>
/// Manifests of layout 2, byte for byte as the code before one model stored them (a logical and a base backup of one test run,
/// seals intact), are still read; the current layout writes one shape for both kinds, with no empty objects.
/// </summary>
public sealed class ManifestLayoutTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Backups", "Fixtures", name));

    [Test]
    public void Deserialize_BaseBackupOfLayout2_ReadsAsABaseBackupWithItsWalRangeAndTar()
    {
        var manifest = BackupManifestSerializer.Deserialize(Fixture("base-layout2.manifest.json"), "fixture");

        manifest.FormatVersion.Should().Be(2);
        manifest.Id.Should().Be("20261203T202450Z-base-c67e");
        manifest.Kind.Should().Be(BackupKind.Base);
        manifest.Tier.Should().Be("base");
        manifest.Format.Should().Be(BackupFormat.Tar);
        manifest.Wal.Should().BeEquivalentTo(new BackupWalRange { StartLsn = "0/2000028", StopLsn = "0/2000100", Timeline = 1 });
        manifest.ServerVersion.Should().Be("15.18");
        manifest.StartedAt.Should().Be(DateTimeOffset.Parse("2026-12-03T20:24:50.3074807+00:00", System.Globalization.CultureInfo.InvariantCulture));
        manifest.CompletedAt.Should().Be(DateTimeOffset.Parse("2026-12-03T20:24:51.494083+00:00", System.Globalization.CultureInfo.InvariantCulture));
        manifest.SizeBytes.Should().Be(4855867);
        manifest.GetDataFile().Should().BeEquivalentTo(new BackupFile
        {
            Name = "base.tar.lz4",
            Role = BackupFileRole.Data,
            SizeBytes = 4855867,
            Sha256 = "4516d3b0106dfd5cbff79658e2b4b19b17482ad7d87ad7557468638757dfd723",
            ContentSizeBytes = 4855867,
            ContentSha256 = "4516d3b0106dfd5cbff79658e2b4b19b17482ad7d87ad7557468638757dfd723",
        });
        manifest.Locations.Should().ContainSingle();
    }

    [Test]
    public void Deserialize_LogicalBackupOfLayout2_ReadsUnchanged()
    {
        var manifest = BackupManifestSerializer.Deserialize(Fixture("logical-layout2.manifest.json"), "fixture");

        manifest.FormatVersion.Should().Be(2);
        manifest.Kind.Should().Be(BackupKind.Logical);
        manifest.Format.Should().Be(BackupFormat.Custom);
        manifest.Wal.Should().BeNull();
        manifest.GetDataFile().Name.Should().Be("data.dump");
        manifest.Tables.Should().Contain(new BackupTableRowCount { Schema = "public", Name = "batches", Rows = 5000, DataIncluded = true });
    }

    [Test]
    public void Deserialize_BaseBackupOfLayout2WithAByteChanged_RefusedByItsSeal()
    {
        var bytes = Fixture("base-layout2.manifest.json");
        var text = Encoding.UTF8.GetString(bytes).Replace("\"0/2000100\"", "\"0/2000101\"", StringComparison.Ordinal);

        var act = () => BackupManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(text), "fixture");

        act.Should().Throw<BackupException>().WithMessage("*damaged*");
    }

    [Test]
    public void Deserialize_BaseBackupOfLayout2WithADataKeyOutsideItsFolder_Refused()
    {
        var json = Encoding.UTF8.GetString(Fixture("base-layout2.manifest.json"));
        var withoutSeal = json[(json.IndexOf('\n', json.IndexOf("manifestSha256", StringComparison.Ordinal)) + 1)..];
        var body = withoutSeal.Replace(
            "base/20261203T202450Z-base-c67e/base.tar.lz4", "backups/x/base.tar.lz4", StringComparison.Ordinal);
        var resealed = StoredManifest.Seal(Encoding.UTF8.GetBytes("{\n" + body));

        var act = () => BackupManifestSerializer.Deserialize(resealed, "fixture");

        act.Should().Throw<BackupException>().WithMessage("*dataKey*not a file of base backup*");
    }

    [Test]
    public void Serialize_BaseBackup_OneShapeWithTheWalRangeAndNoEmptyObjects()
    {
        var legacy = BackupManifestSerializer.Deserialize(Fixture("base-layout2.manifest.json"), "fixture");

        var json = Encoding.UTF8.GetString(BackupManifestSerializer.Serialize(legacy with { FormatVersion = BackupManifest.CurrentFormatVersion }));
        var read = BackupManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(json), "written");

        json.Should().NotContain("{}").And.NotContain("startSegment").And.NotContain("dataKey");
        json.Should().Contain("\"kind\": \"base\"").And.Contain("\"format\": \"tar\"").And.Contain("\"role\": \"data\"").And.Contain("\"startLsn\": \"0/2000028\"");
        read.Should().BeEquivalentTo(legacy with { FormatVersion = BackupManifest.CurrentFormatVersion });
    }
}
