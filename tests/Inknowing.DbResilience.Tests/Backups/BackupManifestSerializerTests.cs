using System.Text;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Tests.Backups;

public sealed class BackupManifestSerializerTests
{
    [Test]
    public async Task Serialize_ThenDeserialize_RoundTripsWithCamelCaseNamesAndEnums()
    {
        var manifest = new BackupManifest
        {
            Id = "20261121T020000Z-daily-3f9a",
            Tier = "daily",
            Format = BackupFormat.Directory,
            Status = BackupStatus.Verified,
            Database = "shop",
            ServerVersion = "15.18",
            Tool = "pg_dump",
            ToolVersion = "15.18",
            StartedAt = new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero),
            CompletedAt = new DateTimeOffset(2026, 11, 21, 2, 1, 0, TimeSpan.Zero),
            VerifiedAt = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero),
            SizeBytes = 42,
            Sha256 = new string('a', 64),
            Compression = BackupCompression.Gzip,
            Encryption = new BackupEncryptionInfo { Algorithm = "AES-256-GCM-CHUNKED-v1", KeyId = "0123456789abcdef", ChunkSize = 1048576 },
            Locations = ["file:///var/backups"],
            Files = [new BackupFile { Name = "data.tar.gz", Role = BackupFileRole.Data, SizeBytes = 42, Sha256 = new string('a', 64), ContentSizeBytes = 100, ContentSha256 = new string('b', 64) }],
            Content = new BackupContentOptions { Jobs = 2, ExcludeTableData = ["shop.login_history"] },
            Tables = [new BackupTableRowCount { Schema = "shop", Name = "orders", Rows = 10, DataIncluded = true }],
        };

        var bytes = BackupManifestSerializer.Serialize(manifest);
        var json = Encoding.UTF8.GetString(bytes);
        var read = await BackupManifestSerializer.DeserializeAsync(new MemoryStream(bytes), "test");

        read.Should().BeEquivalentTo(manifest);
        json.Should().Contain("\"format\": \"directory\"").And.Contain("\"status\": \"verified\"").And.Contain("\"compression\": \"gzip\"")
            .And.Contain("\"keyId\": \"0123456789abcdef\"").And.Contain("\"contentSha256\"");
    }

    [Test]
    public async Task DeserializeAsync_EditedAfterSealing_ThrowsDamaged()
    {
        var json = Encoding.UTF8.GetString(BackupManifestSerializer.Serialize(Manifest())).Replace("\"rows\": 10", "\"rows\": 9", StringComparison.Ordinal);

        var act = () => BackupManifestSerializer.DeserializeAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "file:///x backups/y/manifest.json");

        (await act.Should().ThrowAsync<BackupException>()).Which.Message.Should().Contain("damaged").And.Contain("file:///x backups/y/manifest.json");
    }

    [Test]
    public async Task DeserializeAsync_CurrentLayoutWithoutSeal_ThrowsDamaged()
    {
        var plain = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Manifest(), BackupManifestJsonContext.Default.BackupManifest);

        var act = () => BackupManifestSerializer.DeserializeAsync(new MemoryStream(plain), "test");

        (await act.Should().ThrowAsync<BackupException>()).Which.Message.Should().Contain("manifestSha256");
    }

    [Test]
    public async Task DeserializeAsync_OlderUnsealedLayout_IsRead()
    {
        var plain = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Manifest() with { FormatVersion = 1 }, BackupManifestJsonContext.Default.BackupManifest);

        var read = await BackupManifestSerializer.DeserializeAsync(new MemoryStream(plain), "test");

        read.FormatVersion.Should().Be(1);
    }

    private static BackupManifest Manifest() => new()
    {
        Id = "20261121T020000Z-daily-3f9a",
        Tier = "daily",
        Format = BackupFormat.Custom,
        Status = BackupStatus.Completed,
        Database = "shop",
        ServerVersion = "15.18",
        Tool = "pg_dump",
        ToolVersion = "15.18",
        StartedAt = new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2026, 11, 21, 2, 1, 0, TimeSpan.Zero),
        SizeBytes = 42,
        Sha256 = new string('a', 64),
        Compression = BackupCompression.None,
        Locations = ["file:///var/backups"],
        Files = [new BackupFile { Name = "data.dump", Role = BackupFileRole.Data, SizeBytes = 42, Sha256 = new string('a', 64), ContentSizeBytes = 42, ContentSha256 = new string('a', 64) }],
        Content = new BackupContentOptions(),
        Tables = [new BackupTableRowCount { Schema = "shop", Name = "orders", Rows = 10, DataIncluded = true }],
    };

    [TestCase("not json")]
    [TestCase("{\"id\": \"x\"}")]
    [TestCase("{}")]
    public async Task DeserializeAsync_NotAManifest_ThrowsNamingTheSource(string json)
    {
        var act = () => BackupManifestSerializer.DeserializeAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "file:///x backups/y/manifest.json");

        (await act.Should().ThrowAsync<BackupException>()).Which.Message.Should().Contain("file:///x backups/y/manifest.json");
    }

    [Test]
    public async Task DeserializeAsync_NewerLayout_ThrowsAskingForAnUpgrade()
    {
        var json = """{"formatVersion": 9, "id": "a", "tier": "daily", "format": "custom", "status": "completed", "database": "d", "serverVersion": "15", "tool": "pg_dump", "toolVersion": "15", "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:00Z", "sizeBytes": 1, "sha256": "a", "compression": "none", "locations": [], "files": [{"name": "data.dump", "role": "data", "sizeBytes": 1, "sha256": "a", "contentSizeBytes": 1, "contentSha256": "a"}], "content": {}, "tables": []}""";

        var act = () => BackupManifestSerializer.DeserializeAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test");

        (await act.Should().ThrowAsync<BackupException>()).Which.Message.Should().Contain("upgrade");
    }
}
