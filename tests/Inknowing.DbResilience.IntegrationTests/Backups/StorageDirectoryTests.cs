namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>A fixture base that hands out temporary file-storage directories and deletes them after the fixture.</summary>
public abstract class StorageDirectoryTests
{
    private readonly List<string> _directories = [];

    [OneTimeTearDown]
    public void DeleteDirectories()
    {
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Returns a new directory path (not yet created) that is deleted after the fixture.</summary>
    protected string NewStorage()
    {
        var directory = BackupTestDatabase.NewStorageDirectory();
        _directories.Add(directory);
        return directory;
    }
}
