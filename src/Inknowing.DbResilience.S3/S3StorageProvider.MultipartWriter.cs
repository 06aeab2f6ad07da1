using System.Net.Sockets;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3.Model;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.S3;

// The write side of the provider: one PutObject for an object of up to two parts, else a multipart upload with growing parts,
// completed only when every part is stored and aborted otherwise.
public sealed partial class S3StorageProvider
{
    /// <inheritdoc />
    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        ArgumentNullException.ThrowIfNull(content);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var partSize = _options.PartSize;

        // Two part buffers, allocated per write and not rented from ArrayPool.Shared: the shared pool would keep them (touched,
        // so resident) for the life of the process after every backup. Uninitialized arrays cost no resident memory until they
        // are written, so a small object touches only its own pages.
        var buffer = GC.AllocateUninitializedArray<byte>(partSize);
        byte[]? spare = null;
        string? uploadId = null;
        Task<PartETag>? pending = null;
        try
        {
            // The first two parts are read before anything is sent: an object of at most two parts (a 16 MiB WAL segment with
            // the default 8 MiB parts) goes up as one PutObject from both buffers, with its checksum in its metadata.
            var read = await ReadPartAsync(content, buffer, 0, partSize, hash, cancellationToken).ConfigureAwait(false);
            var second = 0;
            if (read == partSize)
            {
                spare = GC.AllocateUninitializedArray<byte>(partSize);
                second = await ReadPartAsync(content, spare, 0, partSize, hash, cancellationToken).ConfigureAwait(false);
            }

            // Both full: peek one byte, which starts the third part, to know whether a multipart upload is needed.
            var peek = new byte[1];
            var peeked = second == partSize
                ? await content.ReadAtLeastAsync(peek, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
                : 0;
            if (peeked == 0)
            {
                var sha = Sha256Hex(hash);
                await PutAsync(key, objectKey, buffer, read, spare, second, sha, cancellationToken).ConfigureAwait(false);
                await DeleteSidecarAsync(objectKey, cancellationToken).ConfigureAwait(false);
                Log.Uploaded(_logger, Name, key, read + second, 1);
                return new StorageWriteResult { Key = key, Size = read + second, Sha256 = sha };
            }

            uploadId = await ExecuteAsync("CreateMultipartUpload", key, async ct =>
            {
                var request = new InitiateMultipartUploadRequest
                {
                    BucketName = BucketName,
                    Key = objectKey,
                    ServerSideEncryptionMethod = _encryption,
                    ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
                    StorageClass = _storageClass,
                };
                return (await _client.InitiateMultipartUploadAsync(request, ct).ConfigureAwait(false)).UploadId;
            }, cancellationToken).ConfigureAwait(false);

            // Part 1 uploads from the first buffer; the second buffer already holds part 2. From then on one part uploads while
            // the next one is read into the other buffer: two buffers, never more.
            var parts = new List<PartETag>();
            long size = read;
            var partNumber = 1;
            pending = UploadPartAsync(key, objectKey, uploadId, partNumber, buffer, read, cancellationToken);
            (buffer, spare) = (spare!, buffer);
            read = second;
            while (read > 0)
            {
                partNumber++;
                size += read;
                parts.Add(await pending.ConfigureAwait(false));
                pending = UploadPartAsync(key, objectKey, uploadId, partNumber, buffer, read, cancellationToken);

                // The next part, possibly larger: an object too big for 10,000 parts of PartSize gets larger parts as it grows.
                var nextSize = PartSizeOf(partSize, partNumber + 1);
                var next = spare.Length >= nextSize ? spare : GC.AllocateUninitializedArray<byte>(nextSize);
                var carried = peeked;
                if (peeked > 0)
                {
                    next[0] = peek[0];
                    hash.AppendData(peek, 0, peeked);
                    peeked = 0;
                }

                read = carried + await ReadPartAsync(content, next, carried, nextSize, hash, cancellationToken).ConfigureAwait(false);
                if (read > 0 && partNumber == MaxParts)
                {
                    throw new StorageException(Name, key,
                        $"the object is larger than S3's limit of {MaxParts} parts allows ({size} bytes sent in parts of {partSize} bytes growing every {PartsPerSizeStep} parts); set a larger S3StorageOptions.PartSize (CLI: partSizeMiB=).",
                        innerException: null, isTransient: false);
                }

                (buffer, spare) = (next, buffer);
            }

            parts.Add(await pending.ConfigureAwait(false));
            pending = null;
            var sha256 = Sha256Hex(hash);
            await ExecuteAsync("CompleteMultipartUpload", key, async ct =>
            {
                var request = new CompleteMultipartUploadRequest { BucketName = BucketName, Key = objectKey, UploadId = uploadId, PartETags = parts };
                return await _client.CompleteMultipartUploadAsync(request, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            uploadId = null;
            await RecordChecksumAsync(key, objectKey, sha256, size, cancellationToken).ConfigureAwait(false);
            Log.Uploaded(_logger, Name, key, size, partNumber);
            return new StorageWriteResult { Key = key, Size = size, Sha256 = sha256 };
        }
        catch (Exception ex) when (ex is not StorageException)
        {
            if (pending is not null)
            {
                await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (uploadId is not null)
            {
                await AbortAsync(key, objectKey, uploadId).ConfigureAwait(false);
            }

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw Wrap("could not upload the object", key, ex);
        }
        catch (StorageException)
        {
            if (pending is not null)
            {
                await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (uploadId is not null)
            {
                await AbortAsync(key, objectKey, uploadId).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Gets the size of a part of a multipart upload: <paramref name="partSize"/> for the first 1,000 parts, then twice as much
    /// for each further 1,000 (never more than 1 GiB, nor less than <paramref name="partSize"/>), so that memory stays at two
    /// parts of <paramref name="partSize"/> for every object up to 1,000 parts (7.8 GiB with 8 MiB parts), and an object of up
    /// to about 3.9 TiB still fits in S3's 10,000 parts.
    /// </summary>
    /// <param name="partSize">The configured part size (<see cref="S3StorageOptions.PartSize"/>).</param>
    /// <param name="partNumber">The part number, from 1.</param>
    /// <returns>The size of that part in bytes (the last part of an object may be shorter).</returns>
    internal static int PartSizeOf(int partSize, int partNumber)
    {
        var step = Math.Min((partNumber - 1) / PartsPerSizeStep, 30);
        var grown = (long)partSize << step;
        return (int)Math.Max(partSize, Math.Min(grown, MaxGrownPartSize));
    }

    private static async Task<int> ReadPartAsync(Stream content, byte[] buffer, int offset, int end, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var read = await content.ReadAtLeastAsync(buffer.AsMemory(offset, end - offset), end - offset, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        hash.AppendData(buffer, offset, read);
        return read;
    }

    private async Task PutAsync(string key, string objectKey, byte[] first, int firstLength, byte[]? second, int secondLength, string sha256, CancellationToken cancellationToken)
    {
        await ExecuteAsync("PutObject", key, async ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = BucketName,
                Key = objectKey,
                InputStream = secondLength == 0
                    ? new MemoryStream(first, 0, firstLength, writable: false)
                    : new S3TwoBufferStream(first, firstLength, second!, secondLength),
                AutoCloseStream = true,
                UseChunkEncoding = !_options.CompatibilityMode,
                ServerSideEncryptionMethod = _encryption,
                ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
                StorageClass = _storageClass,
            };
            request.Metadata.Add(Sha256MetadataName, sha256);
            return await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PartETag> UploadPartAsync(string key, string objectKey, string uploadId, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync("UploadPart", key, async ct => await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = BucketName,
            Key = objectKey,
            UploadId = uploadId,
            PartNumber = partNumber,
            PartSize = length,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            UseChunkEncoding = !_options.CompatibilityMode,
        }, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    private async Task AbortAsync(string key, string objectKey, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled upload is still aborted. The retries are spread over AbortPatience (the upload
            // may have failed because the server is down), the whole bounded by 30 seconds more.
            using var timeout = new CancellationTokenSource(AbortPatience + TimeSpan.FromSeconds(30));
            await ExecuteAsync("AbortMultipartUpload", key, ct => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = BucketName,
                Key = objectKey,
                UploadId = uploadId,
            }, ct), timeout.Token, abort: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException or SocketException)
        {
            Log.AbortFailed(_logger, Name, key, uploadId, ex);
        }
    }
}
