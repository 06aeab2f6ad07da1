using System.Runtime.Versioning;
using Inknowing.DbResilience.IntegrationTests.Backups;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Who can read a backup: the CLI run as a user would, under the common umask 022, stores every file on file storage (dumps,
/// tars, manifests, checksum sidecars) as 0600 in 0700 directories, so no other local account can read the database.
/// </summary>
[Category("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class FilePermissionTests : StorageDirectoryTests
{
    private string _connectionString = null!;
    private string _temporary = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _connectionString = await BackupTestDatabase.CreateShopAsync();
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
    }

    [TestCase("custom")]
    [TestCase("directory")]
    [TestCase("plain")]
    public async Task Backup_Umask022_StoresOwnerOnlyFilesInOwnerOnlyDirectories(string format)
    {
        var storage = NewStorage();

        var backup = await ReliabilityCli.RunAsync(_connectionString, storage, _temporary, "backup", "--format", format);
        var verify = await ReliabilityCli.RunAsync(_connectionString, storage, _temporary, "verify", "latest");

        backup.ExitCode.Should().Be(0, backup.Error);
        verify.ExitCode.Should().Be(0, verify.Error);
        var entries = Directory.EnumerateFileSystemEntries(storage, "*", SearchOption.AllDirectories).Prepend(storage).ToList();
        entries.Where(File.Exists).Should().HaveCountGreaterThanOrEqualTo(4, "a data file, a manifest and their checksum sidecars");
        entries.Select(e => (Entry: e, Mode: File.GetUnixFileMode(e)))
            .Where(e => e.Mode != (Directory.Exists(e.Entry) ? (UnixFileMode)0b111_000_000 : (UnixFileMode)0b110_000_000))
            .Should().BeEmpty("every directory is drwx------ and every file -rw------- whatever the umask");
    }
}
