using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>The CLI against Azure Blob storage (azurite): <c>--storage azblob://container/prefix?endpoint=...</c>, credentials from the environment only.</summary>
public sealed class AzureBlobCliTests
{
    private string _shop = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _shop = await BackupTestDatabase.CreateShopAsync();
        await BackupTestDatabase.ExecuteAsync(_shop, "INSERT INTO shop.customers SELECT g, 'customer ' || g, NULL FROM generate_series(900000, 900999) g");
    }

    [Test]
    public async Task BackupListVerifyRestore_AzureBlobStorage_RestoresEveryRow()
    {
        var container = "cli-" + Guid.NewGuid().ToString("N")[..10];
        var storage = $"azblob://{container}/shop?endpoint={TestServers.Azurite.BlobEndpoint}";
        var environment = Environment(storage, accountKey: true);
        var target = "azrestore_" + Guid.NewGuid().ToString("N")[..8];

        var backup = PitrCli.RunCli(environment, "backup");
        var list = PitrCli.RunCli(environment, "backups", "list", "--strict");
        var verify = PitrCli.RunCli(environment, "verify", "latest");
        var restore = PitrCli.RunCli(environment, "restore", "--target-database", target);

        backup.ExitCode.Should().Be(0, backup.Output);
        list.ExitCode.Should().Be(0, list.Output);
        list.Output.Should().Contain("azblob://" + container + "/shop");
        verify.ExitCode.Should().Be(0, verify.Output);
        restore.ExitCode.Should().Be(0, restore.Output);
        var restored = new NpgsqlConnectionStringBuilder(_shop) { Database = target }.ConnectionString;
        (await BackupTestDatabase.ScalarAsync<long>(restored, "SELECT count(*) FROM shop.customers"))
            .Should().Be(await BackupTestDatabase.ScalarAsync<long>(_shop, "SELECT count(*) FROM shop.customers"));
        string.Concat(backup.Output, list.Output, verify.Output, restore.Output).Should().NotContain(AzuriteServer.AccountKey);
        await Storage.AzureBlobStorageConformanceTests.RawClient(TestServers.Azurite).GetBlobContainerClient(container).DeleteIfExistsAsync();
    }

    [Test]
    public void Backup_CredentialsInTheUri_ExitsTwoWithoutEchoingThem()
    {
        var storage = $"azblob://backups/shop?endpoint={TestServers.Azurite.BlobEndpoint}&sig=SECRETSIGNATURE";

        var (exitCode, output) = PitrCli.RunCli(Environment(storage, accountKey: true), "backup");

        exitCode.Should().Be(2, output);
        output.Should().Contain("AZURE_STORAGE_CONNECTION_STRING").And.NotContain("SECRETSIGNATURE");
    }

    [Test]
    public void Backup_NoAzureCredentials_ExitsTwoNamingTheVariables()
    {
        var storage = $"azblob://backups/shop?endpoint={TestServers.Azurite.BlobEndpoint}";

        var (exitCode, output) = PitrCli.RunCli(Environment(storage, accountKey: false), "backup");

        exitCode.Should().Be(2, output);
        output.Should().Contain("AZURE_STORAGE_ACCOUNT").And.Contain("AZURE_STORAGE_KEY");
    }

    private Dictionary<string, string> Environment(string storage, bool accountKey) => new()
    {
        ["DBRESILIENCE_CONNECTION"] = _shop,
        ["DBRESILIENCE_STORAGE"] = storage,
        ["AZURE_STORAGE_CONNECTION_STRING"] = string.Empty,
        ["AZURE_STORAGE_ACCOUNT"] = accountKey ? AzuriteServer.AccountName : string.Empty,
        ["AZURE_STORAGE_KEY"] = accountKey ? AzuriteServer.AccountKey : string.Empty,
    };
}
