using System.Security.Cryptography;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Encryption;
using Inknowing.DbResilience.PostgreSql;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>Backups of a real PostgreSQL database into real file storage: every format and option, verification, encryption, failures.</summary>
public sealed class BackupServiceTests : StorageDirectoryTests
{
    private string _connectionString = null!;
    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connectionString = await BackupTestDatabase.CreateShopAsync();

    [Test]
    public async Task CreateAsync_CustomFormat_WritesDataThenManifestWithChecksumsAndRowCounts()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.Tier = "daily");

        var result = await host.GetRequiredService<IBackupService>().CreateAsync();

        var manifest = result.Manifest;
        manifest.Id.Should().MatchRegex("^[0-9]{8}T[0-9]{6}Z-daily-[0-9a-f]{4}$");
        manifest.Format.Should().Be(BackupFormat.Custom);
        manifest.Status.Should().Be(BackupStatus.Completed);
        manifest.Tool.Should().Be("pg_dump");
        manifest.ToolVersion.Should().StartWith($"{Infrastructure.TestServers.LocalToolsMajor}.");
        manifest.ServerVersion.Should().StartWith($"{Infrastructure.TestServers.ServerMajor}.");
        manifest.Locations.Should().ContainSingle();
        var dataPath = Path.Combine(storage, "backups", manifest.Id, "data.dump");
        var bytes = await File.ReadAllBytesAsync(dataPath);
        manifest.Sha256.Should().Be(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        manifest.GetDataFile().SizeBytes.Should().Be(bytes.Length);
        bytes.AsSpan(0, 5).ToArray().Should().Equal("PGDMP"u8.ToArray());
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "shop", Name = "orders", Rows = 10000, DataIncluded = true });
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "shop", Name = "Mixed Case", Rows = 7, DataIncluded = true });
        manifest.Tables.Where(t => t.Name.StartsWith("events_", StringComparison.Ordinal)).Sum(t => t.Rows).Should().Be(800);
        File.Exists(Path.Combine(storage, "backups", manifest.Id, "manifest.json")).Should().BeTrue();

        var stored = await BackupManifestSerializer.DeserializeAsync(File.OpenRead(Path.Combine(storage, "backups", manifest.Id, "manifest.json")), "test");
        stored.Should().BeEquivalentTo(manifest);
        (await BackupTestDatabase.ScalarAsync<string>(_connectionString, $"SELECT status FROM dbresilience.backup_history WHERE backup_id = '{manifest.Id}'"))
            .Should().Be("completed");
    }

    [TestCase(BackupFormat.Custom, BackupCompression.None)]
    [TestCase(BackupFormat.Directory, BackupCompression.None)]
    [TestCase(BackupFormat.Directory, BackupCompression.Gzip)]
    [TestCase(BackupFormat.Plain, BackupCompression.None)]
    [TestCase(BackupFormat.Plain, BackupCompression.Gzip)]
    public async Task VerifyAsync_EachFormatWithRestoreTest_PassesAndMarksVerified(BackupFormat format, BackupCompression compression)
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage]);
        var service = host.GetRequiredService<IBackupService>();
        var created = await service.CreateAsync(new BackupRequest { Format = format, Compression = compression, Jobs = 2 });

        var report = await service.VerifyAsync(created.Manifest.Id, restoreTest: true);

        report.Problems.Should().BeEmpty();
        report.Succeeded.Should().BeTrue();
        report.RestoreTested.Should().BeTrue();
        report.TablesCompared.Should().BeGreaterThanOrEqualTo(7);
        report.ArchiveCheck.Should().NotBeNullOrEmpty();
        var listed = (await service.ListAsync()).Single(m => m.Id == created.Manifest.Id);
        listed.Status.Should().Be(BackupStatus.Verified);
        listed.VerifiedAt.Should().NotBeNull();
        created.Manifest.GetDataFile().Name.Should().Be(
            (format switch { BackupFormat.Custom => "data.dump", BackupFormat.Directory => "data.tar", _ => "data.sql" })
            + (compression == BackupCompression.Gzip ? ".gz" : ""));
    }

    [Test]
    public async Task CreateAsync_TablesAndExcludedData_MarksWhichRowsAreInTheBackup()
    {
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [NewStorage()], o => o.ExcludeTableData.Add("shop.login_history"));
        var service = host.GetRequiredService<IBackupService>();

        var created = await service.CreateAsync(new BackupRequest { Tables = ["shop.customers", "shop.login_history", "shop.\"Mixed Case\""] });
        var report = await service.VerifyAsync(created.Manifest.Id, restoreTest: true);

        var tables = created.Manifest.Tables.ToDictionary(t => $"{t.Schema}.{t.Name}", t => t.DataIncluded);
        tables["shop.customers"].Should().BeTrue();
        tables["shop.Mixed Case"].Should().BeTrue();
        tables["shop.login_history"].Should().BeFalse("its data is excluded");
        tables["shop.orders"].Should().BeFalse("it is not among the tables dumped");
        report.Problems.Should().BeEmpty();
        report.TablesCompared.Should().Be(2);
        created.Manifest.Content.ExcludeTableData.Should().Equal("shop.login_history");
    }

    [Test]
    public async Task CreateAsync_SchemaOnlyAndDataOnly_ArchivesAreReadable()
    {
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [NewStorage()]);
        var service = host.GetRequiredService<IBackupService>();

        var schemaOnly = await service.CreateAsync(new BackupRequest { SchemaOnly = true, Schemas = ["shop"] });
        var dataOnly = await service.CreateAsync(new BackupRequest { DataOnly = true });

        schemaOnly.Manifest.Tables.Should().OnlyContain(t => !t.DataIncluded);
        (await service.VerifyAsync(schemaOnly.Manifest.Id, restoreTest: true)).Problems.Should().BeEmpty();
        var dataReport = await service.VerifyAsync(dataOnly.Manifest.Id);
        dataReport.Problems.Should().BeEmpty();
        dataReport.ArchiveCheck.Should().Contain("with table data");
        schemaOnly.Manifest.GetDataFile().SizeBytes.Should().BeLessThan(dataOnly.Manifest.GetDataFile().SizeBytes);
    }

    [Test]
    public async Task CreateAsync_SchemaOnlyAndDataOnlyTogether_ThrowsConfigurationError()
    {
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [NewStorage()]);

        var act = () => host.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { SchemaOnly = true, DataOnly = true });

        (await act.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message.Should().Contain("SchemaOnly").And.Contain("DataOnly");
    }

    [Test]
    public async Task CreateAsync_WithGlobals_StoresRolesBesideTheDump()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.IncludeGlobals = true);

        var created = await host.GetRequiredService<IBackupService>().CreateAsync();

        var globals = created.Manifest.Files.Single(f => f.Role == BackupFileRole.Globals);
        globals.Name.Should().Be("globals.sql");
        (await File.ReadAllTextAsync(Path.Combine(storage, "backups", created.Manifest.Id, "globals.sql"))).Should().Contain("CREATE ROLE");
        created.Manifest.SizeBytes.Should().Be(created.Manifest.Files.Sum(f => f.SizeBytes));
    }

    [Test]
    public async Task CreateAsync_UnknownTable_ThrowsWithPgDumpErrorAndLeavesNothing()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage]);

        var act = () => host.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { Tables = ["shop.no_such_table"] });

        var error = (await act.Should().ThrowAsync<ExternalToolException>()).Which;
        error.Message.Should().Contain("pg_dump").And.Contain("no matching tables");
        BackupTestDatabase.KeysUnder(storage).Should().BeEmpty();
        (await host.GetRequiredService<IBackupService>().ListAsync()).Should().BeEmpty();
        (await BackupTestDatabase.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM dbresilience.backup_history WHERE status = 'failed' AND notes LIKE '%no matching tables%'"))
            .Should().BeGreaterThan(0);
    }

    [Test]
    public async Task CreateAsync_PgDumpOlderThanServer_RefusesNamingBothVersions()
    {
        var tools = NewStorage();
        Directory.CreateDirectory(tools);
        var fake = Path.Combine(tools, "pg_dump");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], toolsDirectory: tools);

        var act = () => host.GetRequiredService<IBackupService>().CreateAsync();

        (await act.Should().ThrowAsync<ExternalToolException>()).Which.Message
            .Should().Contain("pg_dump 9.6").And.Contain($"older than the server (PostgreSQL {Infrastructure.TestServers.ServerMajor}.").And.Contain("ToolsDirectory");
        BackupTestDatabase.KeysUnder(storage).Should().BeEmpty();
    }

    [Test]
    public async Task CreateAsync_Cancelled_KillsPgDumpAndLeavesNoManifest()
    {
        var connectionString = await Infrastructure.TestServers.CreateDatabaseAsync("backupcancel");
        await BackupTestDatabase.ExecuteAsync(connectionString,
            "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, 400000) g");
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(connectionString, [storage]);
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.BytesRead > 0)
            {
                cancellation.Cancel();
            }
        });

        var act = () => host.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { Format = BackupFormat.Plain, Progress = progress }, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        BackupTestDatabase.KeysUnder(storage).Should().NotContain(k => k.EndsWith("manifest.json", StringComparison.Ordinal));
        BackupTestDatabase.KeysUnder(storage).Where(k => !Path.GetFileName(k).StartsWith(".dbr-", StringComparison.Ordinal)).Should().BeEmpty();
        (await host.GetRequiredService<IBackupService>().ListAsync()).Should().BeEmpty();
        (await BackupTestDatabase.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbresilience' AND datname = current_database()"))
            .Should().Be(0, "pg_dump was killed");
    }

    [Test]
    public async Task VerifyAsync_EncryptedWithRightKey_PassesAndStoresCiphertextOnly()
    {
        var key = BackupEncryptionKey.Generate();
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o =>
        {
            o.Encrypt = true;
            o.EncryptionKey = key.ToBase64();
            o.Format = BackupFormat.Plain;
            o.Compression = BackupCompression.Gzip;
        });
        var service = host.GetRequiredService<IBackupService>();

        var created = await service.CreateAsync();
        var report = await service.VerifyAsync("latest", restoreTest: true);

        created.Manifest.Encryption.Should().BeEquivalentTo(new BackupEncryptionInfo { Algorithm = "AES-256-GCM-CHUNKED-v1", KeyId = key.KeyId, ChunkSize = 1024 * 1024 });
        var stored = await File.ReadAllBytesAsync(Path.Combine(storage, "backups", created.Manifest.Id, "data.sql.gz"));
        stored.AsSpan(0, 8).ToArray().Should().Equal("DBRAEAD1"u8.ToArray());
        System.Text.Encoding.UTF8.GetString(stored).Should().NotContain("customer 1");
        report.Problems.Should().BeEmpty();
        report.TablesCompared.Should().BeGreaterThan(0);
    }

    [Test]
    public async Task VerifyAsync_EncryptedWithWrongOrMissingKey_ReportsTheKeyIdNeeded()
    {
        var key = BackupEncryptionKey.Generate();
        var storage = NewStorage();
        await using (var writer = BackupTestDatabase.BuildHost(_connectionString, [storage], o => { o.Encrypt = true; o.EncryptionKey = key.ToBase64(); }))
        {
            await writer.GetRequiredService<IBackupService>().CreateAsync();
        }

        var wrong = BackupEncryptionKey.Generate();
        await using var wrongHost = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.EncryptionKey = wrong.ToBase64());
        await using var noKeyHost = BackupTestDatabase.BuildHost(_connectionString, [storage]);

        var wrongReport = await wrongHost.GetRequiredService<IBackupService>().VerifyAsync("latest");
        var service = noKeyHost.GetRequiredService<IBackupService>();
        var manifest = await service.GetAsync("latest");
        var open = async () =>
        {
            await using var content = await service.OpenContentAsync(manifest, manifest.GetDataFile());
            await content.CopyToAsync(Stream.Null);
        };

        wrongReport.Succeeded.Should().BeFalse();
        wrongReport.Copies.Should().OnlyContain(c => c.Succeeded, "the stored bytes are intact");
        wrongReport.Problems.Should().ContainSingle().Which.Should().Contain(key.KeyId).And.Contain(wrong.KeyId);
        (await open.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain(key.KeyId).And.Contain("no key is configured");
    }

    [Test]
    public void Build_EncryptWithoutKey_ThrowsConfigurationErrorNamingTheSetting()
    {
        var act = () => BackupTestDatabase.BuildHost(_connectionString, [NewStorage()], o => o.Encrypt = true);

        act.Should().Throw<DbResilienceConfigurationException>().Which.Message.Should().Contain("EncryptionKey").And.Contain(BackupOptions.EncryptionKeyVariable);
    }

    [Test]
    public async Task VerifyAsync_CorruptedCopy_ReportsThatCopyOnly()
    {
        var primary = NewStorage();
        var second = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [primary, second]);
        var service = host.GetRequiredService<IBackupService>();
        var created = await service.CreateAsync();
        created.Manifest.Locations.Should().HaveCount(2);
        var damaged = Path.Combine(second, "backups", created.Manifest.Id, "data.dump");
        var bytes = await File.ReadAllBytesAsync(damaged);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(damaged, bytes);

        var report = await service.VerifyAsync(created.Manifest.Id);

        report.Succeeded.Should().BeFalse();
        report.Copies.Should().HaveCount(2);
        report.Copies[0].Succeeded.Should().BeTrue();
        report.Copies[1].Succeeded.Should().BeFalse();
        report.Copies[1].Problem.Should().Contain("data.dump");
        report.ArchiveCheck.Should().NotBeNull("the intact copy is still read by pg_restore");
        (await service.GetAsync(created.Manifest.Id)).Status.Should().Be(BackupStatus.Completed, "a failed verification does not mark it verified");
    }

    [Test]
    public async Task ListAsync_DatabaseDropped_ListsAndVerifiesFromManifestsAlone()
    {
        var connectionString = await Infrastructure.TestServers.CreateDatabaseAsync("backupdrop");
        await BackupTestDatabase.ExecuteAsync(connectionString, "CREATE TABLE t AS SELECT generate_series(1, 100) AS x");
        var storage = NewStorage();
        string id;
        await using (var host = BackupTestDatabase.BuildHost(connectionString, [storage]))
        {
            id = (await host.GetRequiredService<IBackupService>().CreateAsync()).Manifest.Id;
        }

        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await BackupTestDatabase.ExecuteAsync(Infrastructure.TestServers.PostgreSqlConnectionString, $"DROP DATABASE \"{database}\" WITH (FORCE)");

        await using var after = BackupTestDatabase.BuildHost(connectionString, [storage]);
        var service = after.GetRequiredService<IBackupService>();
        var listed = await service.ListAsync();
        var report = await service.VerifyAsync(id);

        listed.Should().ContainSingle().Which.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "public", Name = "t", Rows = 100, DataIncluded = true });
        report.Copies.Should().OnlyContain(c => c.Succeeded);
        report.ArchiveCheck.Should().Contain("pg_restore --list");
    }

    [Test]
    public async Task GetAsync_NotAnId_ThrowsConfigurationErrorWithTheForm()
    {
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [NewStorage()]);

        var notAnId = () => host.GetRequiredService<IBackupService>().GetAsync("yesterday");
        var missing = () => host.GetRequiredService<IBackupService>().GetAsync("20200101T000000Z-daily-abcd");

        (await notAnId.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message.Should().Contain("'yesterday'").And.Contain("latest");
        (await missing.Should().ThrowAsync<BackupException>()).Which.Message.Should().Contain("backups list");
    }

    private sealed class SynchronousProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}
