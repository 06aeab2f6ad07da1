using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Azure;

// Writes: one Put Blob for an object smaller than a block, else staged blocks committed by one Put Block List at the end.
public sealed partial class AzureBlobStorageProvider
{
    /// <summary>Gets the most blocks one write may have: Azure's 50,000 (lowered by tests).</summary>
    internal int MaxBlocks { get; init; } = MaxBlockCount;

    private static string BlockId(string writeId, int blockNumber)
        => Convert.ToBase64String(Encoding.ASCII.GetBytes($"{writeId}-{blockNumber:D6}"));

    private static string Sha256Hex(IncrementalHash hash) => Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();

    private static async Task<int> ReadBlockAsync(Stream content, byte[] buffer, int length, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        hash.AppendData(buffer, 0, read);
        return read;
    }

    private async Task<StorageWriteResult> UploadAsync(string key, BlockBlobClient blob, Stream content, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var blockSize = _options.BlockSize;

        // Two block buffers, allocated per write (not pooled: a shared pool would keep them resident after every backup).
        var buffer = GC.AllocateUninitializedArray<byte>(blockSize);
        byte[]? spare = null;
        Task? pending = null;
        try
        {
            var read = await ReadBlockAsync(content, buffer, blockSize, hash, cancellationToken).ConfigureAwait(false);
            if (read < blockSize)
            {
                // The whole object is in memory: one Put Blob, atomic, with its checksum in its metadata.
                var sha = Sha256Hex(hash);
                await blob.UploadAsync(new MemoryStream(buffer, 0, read, writable: false), new BlobUploadOptions
                {
                    Metadata = new Dictionary<string, string> { [Sha256MetadataName] = sha },
                }, cancellationToken).ConfigureAwait(false);
                Log.Uploaded(_logger, Name, key, read, 1);
                return new StorageWriteResult { Key = key, Size = read, Sha256 = sha };
            }

            // Block ids unique to this write, so that a concurrent or earlier failed write of the same key cannot mix its blocks in.
            var writeId = Guid.NewGuid().ToString("N");
            var blocks = new List<string>();
            long size = 0;
            while (true)
            {
                var blockId = BlockId(writeId, blocks.Count + 1);
                blocks.Add(blockId);
                size += read;
                if (pending is not null)
                {
                    await pending.ConfigureAwait(false);
                }

                // This block is staged from one buffer while the next is read into the other: two buffers, never more.
                pending = blob.StageBlockAsync(blockId, new MemoryStream(buffer, 0, read, writable: false), options: null, cancellationToken);
                var nextSize = BlockSizeOf(blockSize, blocks.Count + 1);
                spare = spare is not null && spare.Length >= nextSize ? spare : GC.AllocateUninitializedArray<byte>(nextSize);
                read = await ReadBlockAsync(content, spare, nextSize, hash, cancellationToken).ConfigureAwait(false);
                (buffer, spare) = (spare, buffer);
                if (read == 0)
                {
                    break;
                }

                if (blocks.Count == MaxBlocks)
                {
                    throw new StorageException(Name, key,
                        $"the object is larger than Azure's limit of {MaxBlocks} blocks allows ({size} bytes sent in blocks of {blockSize} bytes growing every {BlocksPerSizeStep} blocks); set a larger AzureBlobStorageOptions.BlockSize.",
                        innerException: null, isTransient: false);
                }
            }

            await pending.ConfigureAwait(false);
            pending = null;

            // Only now, with every byte staged and the checksum known, does the blob appear under its key.
            var sha256 = Sha256Hex(hash);
            await blob.CommitBlockListAsync(blocks, new CommitBlockListOptions
            {
                Metadata = new Dictionary<string, string> { [Sha256MetadataName] = sha256 },
            }, cancellationToken).ConfigureAwait(false);
            Log.Uploaded(_logger, Name, key, size, blocks.Count);
            return new StorageWriteResult { Key = key, Size = size, Sha256 = sha256 };
        }
        catch (Exception ex)
        {
            if (pending is not null)
            {
                await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (ex is StorageException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            throw Wrap("could not upload the object", key, ex);
        }
    }
}
