using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Every storage configured for the database, the primary first: writes one stream to all of them at once.
/// </summary>
/// <remarks>
/// The source is read once, in chunks of <see cref="ChunkSize"/> bytes from a shared pool, and each chunk is queued to every
/// storage through a bounded queue of <see cref="QueueDepth"/> chunks: the slowest storage sets the pace (backpressure), and
/// memory stays near <c>(QueueDepth + 2) × ChunkSize</c> whatever the size of the stream and the number of storages.
/// A storage that fails is dropped from the fan-out and the others go on. Disposing the set disposes the providers it owns.
/// </remarks>
public sealed class StorageSet : IStorageSet, IAsyncDisposable, IDisposable
{
    /// <summary>The size of the chunks the source is read in: 1 MiB.</summary>
    public const int ChunkSize = 1024 * 1024;

    /// <summary>The number of chunks queued to each storage before the source waits for it: 4.</summary>
    public const int QueueDepth = 4;

    private readonly bool _ownsProviders;
    private readonly ILogger _logger;
    private readonly int _chunkSize;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="StorageSet"/> class over storages that the caller keeps owning.</summary>
    /// <param name="providers">The storages, the primary first.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="providers"/> is <see langword="null"/> or contains <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="providers"/> is empty, or two storages have the same <see cref="IStorageProvider.Name"/>.</exception>
    public StorageSet(IEnumerable<IStorageProvider> providers, ILogger<StorageSet>? logger = null)
        : this(providers, ownsProviders: false, logger, ChunkSize)
    {
    }

    internal StorageSet(IEnumerable<IStorageProvider> providers, bool ownsProviders, ILogger? logger, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var list = providers.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A storage set needs at least one storage.", nameof(providers));
        }

        if (list.Any(p => p is null))
        {
            throw new ArgumentNullException(nameof(providers), "A storage in the set is null.");
        }

        var duplicate = list.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"The storage '{duplicate.Key}' is configured twice; each copy must go to a different place.", nameof(providers));
        }

        Providers = list;
        _ownsProviders = ownsProviders;
        _logger = logger ?? NullLogger.Instance;
        _chunkSize = chunkSize;
    }

    /// <inheritdoc />
    public IReadOnlyList<IStorageProvider> Providers { get; }

    /// <summary>Gets the primary storage: the first configured.</summary>
    public IStorageProvider Primary => Providers[0];

    /// <inheritdoc />
    public async Task<IReadOnlyList<StorageCopyResult>> WriteAllAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        StorageKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var source = new SourceStream(content);
        StorageCopyResult[] results;
        if (Providers.Count == 1)
        {
            var storage = Providers[0];
            var write = WriteOneAsync(storage, key, source, cancellationToken);
            await ((Task)write).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            source.Failure?.Throw();
            cancellationToken.ThrowIfCancellationRequested();
            results = [Conclude(storage, key, write, source.BytesRead)];
        }
        else
        {
            results = await FanOutAsync(key, source, cancellationToken).ConfigureAwait(false);
        }

        foreach (var result in results)
        {
            if (result.Succeeded)
            {
                Log.CopyStored(_logger, result.Storage.Name, key, result.Result!.Size, result.Result.Sha256);
            }
            else
            {
                Log.CopyFailed(_logger, result.Storage.Name, key, result.Error!);
            }
        }

        return results;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsProviders)
        {
            return;
        }

        foreach (var provider in Providers)
        {
            if (provider is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                (provider as IDisposable)?.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsProviders)
        {
            return;
        }

        foreach (var provider in Providers)
        {
            if (provider is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else if (provider is IAsyncDisposable asyncDisposable)
            {
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private static async Task<StorageWriteResult> WriteOneAsync(IStorageProvider storage, string key, Stream content, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return await storage.WriteAsync(key, content, cancellationToken).ConfigureAwait(false);
    }

    private static StorageCopyResult Conclude(IStorageProvider storage, string key, Task<StorageWriteResult> write, long expectedSize)
    {
        if (!write.IsCompletedSuccessfully)
        {
            var error = write.Exception?.InnerExceptions.Count == 1 ? write.Exception.InnerException! : (Exception?)write.Exception
                ?? new StorageException(storage.Name, key, "the write was cancelled by the storage itself.");
            return new StorageCopyResult { Storage = storage, Error = error };
        }

        var result = write.Result;
        if (result.Size != expectedSize)
        {
            var error = new StorageException(storage.Name, key, expectedSize < 0
                ? "the storage stopped reading before the end of the source."
                : $"the storage reported {result.Size} bytes stored but the source had {expectedSize}.");
            _ = storage.DeleteAsync(key, CancellationToken.None).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return new StorageCopyResult { Storage = storage, Error = error };
        }

        return new StorageCopyResult { Storage = storage, Result = result };
    }

    private async Task<StorageCopyResult[]> FanOutAsync(string key, SourceStream source, CancellationToken cancellationToken)
    {
        var copies = new Copy[Providers.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            copies[i] = new Copy(Providers[i], cancellationToken);
        }

        try
        {
            Exception? sourceFailure = null;
            foreach (var copy in copies)
            {
                copy.Start(key, () => Volatile.Read(ref sourceFailure), cancellationToken);
            }

            var reachedEnd = false;
            ExceptionDispatchInfo? pumpFailure = null;
            try
            {
                reachedEnd = await PumpAsync(source, copies, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Whatever stopped the pump, every copy must see a failed end, never a clean (truncated) one.
                pumpFailure = ExceptionDispatchInfo.Capture(ex);
                Volatile.Write(ref sourceFailure, source.Failure?.SourceException ?? ex);
            }
            finally
            {
                foreach (var copy in copies)
                {
                    copy.Queue.Writer.TryComplete();
                }
            }

            await Task.WhenAll(copies.Select(c => (Task)c.Write!)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            source.Failure?.Throw();
            cancellationToken.ThrowIfCancellationRequested();
            pumpFailure?.Throw();
            return copies.Select(c => reachedEnd
                    ? Conclude(c.Storage, key, c.Write!, source.BytesRead)
                    : Conclude(c.Storage, key, c.Write!, expectedSize: -1)).ToArray();
        }
        finally
        {
            foreach (var copy in copies)
            {
                copy.Dispose();
            }
        }
    }

    /// <summary>Reads the source and queues each chunk to every storage still reading; returns whether the end was reached.</summary>
    private async Task<bool> PumpAsync(SourceStream source, Copy[] copies, CancellationToken cancellationToken)
    {
        while (true)
        {
            var live = copies.Count(c => !c.Stopped.IsCancellationRequested);
            if (live == 0)
            {
                return false; // Every storage stopped: reading the rest of the source would serve nobody.
            }

            var buffer = ArrayPool<byte>.Shared.Rent(_chunkSize);
            var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, _chunkSize), _chunkSize, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return true;
            }

            var chunk = new FanOutChunk(buffer, read, live);
            foreach (var copy in copies)
            {
                if (copy.Stopped.IsCancellationRequested)
                {
                    continue;
                }

                try
                {
                    await copy.Queue.Writer.WriteAsync(chunk, copy.Stopped.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
                {
                    chunk.Release(); // This storage stopped reading; the others go on.
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            if (read < _chunkSize)
            {
                return true;
            }
        }
    }

    /// <summary>One storage's side of a fan-out: its bounded queue, its write, and a token that fires when it stops reading.</summary>
    private sealed class Copy(IStorageProvider storage, CancellationToken cancellationToken) : IDisposable
    {
        public IStorageProvider Storage { get; } = storage;

        public Channel<FanOutChunk> Queue { get; } = Channel.CreateBounded<FanOutChunk>(
            new BoundedChannelOptions(QueueDepth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public CancellationTokenSource Stopped { get; } = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        public Task<StorageWriteResult>? Write { get; private set; }

        public void Start(string key, Func<Exception?> sourceFailure, CancellationToken cancellationToken)
        {
            Write = Task.Run(async () =>
            {
                await using var stream = new FanOutReaderStream(Queue.Reader, sourceFailure);
                return await Storage.WriteAsync(key, stream, cancellationToken).ConfigureAwait(false);
            }, CancellationToken.None);
            _ = Write.ContinueWith(
                static (_, state) =>
                {
                    try
                    {
                        ((CancellationTokenSource)state!).Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The fan-out is over already.
                    }
                },
                Stopped,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        public void Dispose() => Stopped.Dispose();
    }
}
