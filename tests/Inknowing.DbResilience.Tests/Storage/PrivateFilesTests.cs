using System.Runtime.Versioning;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Infrastructure;

namespace Inknowing.DbResilience.Tests.Storage;

/// <summary>
/// Who can read what the library writes: under the common umask 022, every file it creates is 0600 and every directory 0700,
/// on file storage (objects, checksum sidecars, the directories of their keys), in a restore's local copy and in staged WAL.
/// </summary>
[NonParallelizable]
[UnsupportedOSPlatform("windows")]
public sealed class PrivateFilesTests
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;

    private TemporaryDirectory _directory = null!;
    private ProcessUmask _umask = null!;

    [SetUp]
    public void SetUp()
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Unix file modes");
        _directory = new TemporaryDirectory();
        Directory.CreateDirectory(_directory.Path);
        _umask = ProcessUmask.Set(ProcessUmask.Common);
    }

    [TearDown]
    public void TearDown()
    {
        _umask.Dispose();
        _directory.Dispose();
    }

    [Test]
    public async Task CreateFile_Umask022_CreatesOwnerOnlyFilesInOwnerOnlyDirectories()
    {
        var nested = _directory.Sub("a/b");
        PrivateFiles.CreateDirectory(nested);
        await using (var file = PrivateFiles.CreateFile(Path.Combine(nested, "data")))
        {
            file.WriteByte(1);
        }

        await PrivateFiles.WriteAllTextAsync(Path.Combine(nested, "text"), "secret");

        File.GetUnixFileMode(_directory.Sub("a")).Should().Be(OwnerOnlyDirectory);
        File.GetUnixFileMode(nested).Should().Be(OwnerOnlyDirectory);
        File.GetUnixFileMode(Path.Combine(nested, "data")).Should().Be(OwnerOnlyFile);
        File.GetUnixFileMode(Path.Combine(nested, "text")).Should().Be(OwnerOnlyFile);
        (await File.ReadAllTextAsync(Path.Combine(nested, "text"))).Should().Be("secret");
    }

    [Test]
    public void CreateDirectory_Existing_KeepsItsMode()
    {
        var existing = _directory.Sub("shared");
        Directory.CreateDirectory(existing, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        PrivateFiles.CreateDirectory(existing);

        File.GetUnixFileMode(existing).Should().Be(OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    [Test]
    public async Task FileSystemStorageWriteAsync_Umask022_StoresOwnerOnlyObjectsSidecarsAndDirectories()
    {
        var root = _directory.Sub("store");
        var storage = new FileSystemStorageProvider(root);

        await storage.WriteAsync("backups/b1/data.dump", new PatternStream(3000));
        await storage.WriteAsync("backups/b1/manifest.json", new PatternStream(10));

        var entries = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Prepend(root).ToList();
        entries.Should().HaveCount(7, "the root, backups/, b1/, two objects and their two sidecars");
        foreach (var entry in entries.Where(Directory.Exists))
        {
            File.GetUnixFileMode(entry).Should().Be(OwnerOnlyDirectory, entry);
        }

        foreach (var entry in entries.Where(File.Exists))
        {
            File.GetUnixFileMode(entry).Should().Be(OwnerOnlyFile, entry);
        }
    }

    [Test]
    public async Task LocalBackupCopyCreateAsync_Umask022_CopiesIntoAnOwnerOnlyFile()
    {
        var bytes = PatternStream.BytesOf(5000);
        var source = new RestoreSource
        {
            BackupId = "b1",
            Format = RestoreSourceFormat.Custom,
            Sha256 = PatternStream.Sha256Of(5000),
            OpenAsync = _ => Task.FromResult<Stream>(new MemoryStream(bytes)),
        };

        await using var copy = await LocalBackupCopy.CreateAsync(source, _directory.Path, CancellationToken.None);

        File.GetUnixFileMode(copy.Path).Should().Be(OwnerOnlyFile);
        File.GetUnixFileMode(Path.GetDirectoryName(copy.Path)!).Should().Be(OwnerOnlyDirectory);
        (await File.ReadAllBytesAsync(copy.Path)).Should().Equal(bytes);
    }

    [Test]
    public async Task WalArchiveFetch_Umask022_StagesOwnerOnlyButLeavesTheServersFetchToItsUmask()
    {
        var history = _directory.Sub("00000002.history");
        await File.WriteAllTextAsync(history, "1\t0/3000000\tno recovery target specified\n");
        using var storages = new StorageSet([new FileSystemStorageProvider(_directory.Sub("archive"))]);
        var archive = new WalArchive(storages);
        await archive.PushAsync(history);

        var staged = _directory.Sub("staged.history");
        (await archive.FetchCheckedAsync(WalFileName.Parse("00000002.history"), staged, ownerOnly: true, CancellationToken.None)).Found.Should().BeTrue();
        var fetched = _directory.Sub("fetched.history");
        (await archive.FetchAsync("00000002.history", fetched)).Should().BeTrue();

        File.GetUnixFileMode(staged).Should().Be(OwnerOnlyFile);
        File.GetUnixFileMode(fetched).Should().Be(OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "PostgreSQL's own umask decides the mode in pg_wal");
    }
}
