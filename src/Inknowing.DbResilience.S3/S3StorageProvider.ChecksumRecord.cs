using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Inknowing.DbResilience.S3;

// The second home of every object's SHA-256: the object's metadata (copied onto itself after a multipart upload), or a sidecar
// object .dbr-sha256.NAME where that copy is impossible (over 5 GiB, or stores that cannot copy an object onto itself).
public sealed partial class S3StorageProvider
{
    private async Task RecordChecksumAsync(string key, string objectKey, string sha256, long size, CancellationToken cancellationToken)
    {
        if (size > MaxCopySize)
        {
            await PutSidecarAsync(key, objectKey, sha256, size, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await ExecuteAsync("CopyObject", key, async ct =>
            {
                var request = new CopyObjectRequest
                {
                    SourceBucket = BucketName,
                    SourceKey = objectKey,
                    DestinationBucket = BucketName,
                    DestinationKey = objectKey,
                    MetadataDirective = S3MetadataDirective.REPLACE,
                    ServerSideEncryptionMethod = _encryption,
                    ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
                    StorageClass = _storageClass,
                };
                request.Metadata.Add(Sha256MetadataName, sha256);
                return await _client.CopyObjectAsync(request, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (!IsTransient(ex))
        {
            // Some S3-compatible stores cannot copy an object onto itself (s3rver 3.7.1 misreads the copy source):
            // keep the checksum in the sidecar object instead, which GetInfoAsync reads when the metadata has none.
            await PutSidecarAsync(key, objectKey, sha256, size, cancellationToken).ConfigureAwait(false);
            return;
        }

        await DeleteSidecarAsync(objectKey, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutSidecarAsync(string key, string objectKey, string sha256, long size, CancellationToken cancellationToken)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{sha256} {size}\n");
        await ExecuteAsync("PutObject", key, async ct => await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = BucketName,
            Key = SidecarKey(objectKey),
            ContentBody = text,
            UseChunkEncoding = !_options.CompatibilityMode,
        }, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ReadSidecarAsync(string key, string objectKey, long size, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await ExecuteAsync("GetObject", key, ct => _client.GetObjectAsync(BucketName, SidecarKey(objectKey), ct), cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream);
            var parts = (await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim().Split(' ');
            return parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var recorded) && recorded == size
                ? parts[0]
                : null;
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    private async Task DeleteSidecarAsync(string objectKey, CancellationToken cancellationToken)
    {
        // Sidecars exist only for multipart objects that could not get metadata; a delete of a missing key succeeds on S3.
        await ExecuteAsync("DeleteObject", objectKey, ct => _client.DeleteObjectAsync(BucketName, SidecarKey(objectKey), ct), cancellationToken).ConfigureAwait(false);
    }

    private static string SidecarKey(string objectKey)
    {
        var slash = objectKey.LastIndexOf('/');
        return objectKey[..(slash + 1)] + ChecksumPrefix + objectKey[(slash + 1)..];
    }
}
