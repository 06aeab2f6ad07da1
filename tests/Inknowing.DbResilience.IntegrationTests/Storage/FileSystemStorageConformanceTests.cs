using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>The conformance suite against a directory on the local disk.</summary>
public sealed class FileSystemStorageConformanceTests : StorageProviderConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dbr-fs-conformance-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<IStorageProvider> CreateStorageAsync(int partSize, int listPageSize)
        => Task.FromResult<IStorageProvider>(new FileSystemStorageProvider(_root));

    protected override Task DestroyStorageAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    protected override Task AssertNoPendingUploadsAsync()
    {
        Directory.GetFiles(_root, ".dbr-tmp-*", SearchOption.AllDirectories).Should().BeEmpty();
        return Task.CompletedTask;
    }
}
