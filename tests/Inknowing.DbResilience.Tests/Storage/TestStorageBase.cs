using System.Runtime.CompilerServices;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

/// <summary>A storage for tests of the plumbing around providers: writes are left to subclasses, reads are not supported, listings are empty.</summary>
internal abstract class TestStorageBase(string name) : IStorageProvider
{
    public string Name { get; } = name;

    public virtual Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<StorageObjectInfo?>(null);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(false);
}
