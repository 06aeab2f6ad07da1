using System.Diagnostics;
using System.Security.Cryptography;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>The <c>dbresilience backup</c> verb run as a separate process against the real PostgreSQL server.</summary>
public sealed class BackupCliTests : StorageDirectoryTests
{
    private string _connectionString = null!;
    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connectionString = await BackupTestDatabase.CreateShopAsync();

    [Test]
    public async Task Backup_EncryptWithoutKey_ExitsTwoNamingTheVariableAndStoresNothing()
    {
        var storage = NewStorage();

        var (exitCode, output, error) = await RunAsync(storage, key: null, "backup", "--encrypt");

        exitCode.Should().Be(2);
        output.Should().BeEmpty();
        error.Should().Contain("--encrypt").And.Contain(BackupOptions.EncryptionKeyVariable).And.Contain("Nothing was backed up");
        Directory.Exists(Path.Combine(storage, "backups")).Should().BeFalse();
    }

    [Test]
    public async Task Backup_EncryptWithKey_StoresAnEncryptedBackup()
    {
        var storage = NewStorage();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var (exitCode, output, error) = await RunAsync(storage, key, "backup", "--encrypt");

        exitCode.Should().Be(0, error);
        var id = output.Trim();
        var manifest = await BackupManifestSerializer.DeserializeAsync(File.OpenRead(Path.Combine(storage, "backups", id, "manifest.json")), "test");
        manifest.Encryption.Should().NotBeNull();
        manifest.RowCountSource.Should().Be("archive");
    }

    [Test]
    public async Task Backup_NoStorage_ExitsTwoNamingTheStorageOption()
    {
        var (exitCode, output, error) = await RunAsync(storage: null, key: null, "backup");

        exitCode.Should().Be(2, error);
        output.Should().BeEmpty();
        error.Should().Contain("No storage is configured").And.Contain("--storage").And.NotContain("Unable to resolve service");
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string? storage, string? key, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliProcess.DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DBRESILIENCE_CONNECTION"] = _connectionString;
        if (storage is null)
        {
            info.Environment.Remove("DBRESILIENCE_STORAGE");
        }
        else
        {
            info.Environment["DBRESILIENCE_STORAGE"] = new Uri(storage).AbsoluteUri;
        }

        info.Environment.Remove(BackupOptions.EncryptionKeyVariable);
        if (key is not null)
        {
            info.Environment[BackupOptions.EncryptionKeyVariable] = key;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
