using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Inknowing.DbResilience.S3;

/// <summary>
/// Stores objects in an S3 bucket (AWS or any S3-compatible store) under a prefix: <c>s3://bucket/prefix/backups/ID/data.dump</c>.
/// </summary>
/// <remarks>
/// <para>
/// A write reads the stream one part at a time (<see cref="S3StorageOptions.PartSize"/>, two part buffers at most) and
/// computes its SHA-256 on the way. An object of at most two parts (a 16 MiB WAL segment with the default 8 MiB parts) goes
/// up with one PutObject; a larger one with a multipart upload (parts grow after the first 1,000, so that an object of up to
/// about 3.9 TiB fits in S3's 10,000 parts), which S3 makes visible only when it is completed, and which is aborted on failure or
/// cancellation. Every request is retried with exponential backoff on transient errors through a Polly pipeline.
/// </para>
/// <para>
/// The SHA-256 is stored in the object's metadata (<c>x-amz-meta-sha256</c>): sent with PutObject, or set after a multipart
/// upload by copying the object onto itself with the new metadata. Objects over 5 GiB (the CopyObject limit), and objects
/// on stores that cannot copy an object onto itself, keep it in a sidecar object <c>.dbr-sha256.NAME</c> instead, which
/// listings hide and <see cref="GetInfoAsync"/> reads.
/// </para>
/// </remarks>
public sealed class S3StorageProvider : IStorageProvider, IDisposable
{
    /// <summary>The metadata name holding the SHA-256 (sent as <c>x-amz-meta-sha256</c>).</summary>
    public const string Sha256MetadataName = "sha256";

    private const string MetadataHeader = "x-amz-meta-" + Sha256MetadataName;
    private const long MaxCopySize = 5L * 1024 * 1024 * 1024;
    private const string ChecksumPrefix = StorageKey.ReservedSegmentPrefix + "sha256.";

    /// <summary>The most parts S3 accepts in one multipart upload.</summary>
    internal const int MaxPartCount = 10_000;

    /// <summary>How many parts go up at one size before the part size doubles (see <see cref="PartSizeOf"/>).</summary>
    internal const int PartsPerSizeStep = 1_000;

    /// <summary>The largest part size the growth reaches: 1 GiB (S3 allows 5 GiB, an array at most 2 GiB).</summary>
    internal const int MaxGrownPartSize = 1024 * 1024 * 1024;

    private readonly S3StorageOptions _options;
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly ServerSideEncryptionMethod? _encryption;
    private readonly S3StorageClass? _storageClass;

    /// <summary>Initializes a new instance of the <see cref="S3StorageProvider"/> class with its own S3 client.</summary>
    /// <param name="options">The bucket, prefix, endpoint and settings; copied.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="DbResilienceConfigurationException">The options are not valid; every problem is listed.</exception>
    public S3StorageProvider(S3StorageOptions options, ILogger<S3StorageProvider>? logger = null)
        : this(options, client: null, logger)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="S3StorageProvider"/> class over an existing client, which the caller keeps owning.</summary>
    /// <param name="options">The bucket, prefix and settings; copied. Endpoint, region, path-style and credentials are the client's.</param>
    /// <param name="client">The S3 client, or <see langword="null"/> to create one from <paramref name="options"/>.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="DbResilienceConfigurationException">The options are not valid; every problem is listed.</exception>
    public S3StorageProvider(S3StorageOptions options, IAmazonS3? client, ILogger<S3StorageProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new DbResilienceConfigurationException(problems.Select(p => "S3 storage: " + p));
        }

        _options = options.Clone();
        _prefix = _options.Prefix.Trim('/');
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsClient = client is null;
        _client = client ?? CreateClient(_options);
        Name = DisplayName(_options);
        _encryption = _options.ServerSideEncryption is { } sse ? ServerSideEncryptionMethod.FindValue(sse) : null;
        _storageClass = _options.StorageClass is { } storageClass ? S3StorageClass.FindValue(storageClass) : null;
        _pipeline = CreatePipeline();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets the most parts one upload may have: S3's 10,000 (lowered by tests, which cannot send 10,001 parts).</summary>
    internal int MaxParts { get; init; } = MaxPartCount;

    /// <summary>Gets the S3 client (for tests that prepare buckets).</summary>
    internal IAmazonS3 Client => _client;

    /// <summary>Gets the bucket.</summary>
    public string BucketName => _options.BucketName!;

    /// <summary>Gets the display name a storage with these options would have, for example <c>s3://bucket/prefix</c>; never contains credentials.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The display name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static string DisplayName(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = options.Prefix.Trim('/');
        var name = "s3://" + options.BucketName + (prefix.Length == 0 ? string.Empty : "/" + prefix);
        return options.ServiceUrl is { } url ? $"{name} at {url.GetLeftPart(UriPartial.Authority)}" : name;
    }

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
                return new StorageWriteResult(key, read + second, sha);
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
            return new StorageWriteResult(key, size, sha256);
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

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            var response = await ExecuteAsync("GetObject", key, ct => GetWholeObjectAsync(objectKey, ct), cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            throw new StorageObjectNotFoundException(Name, key);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or StorageException))
        {
            throw Wrap("could not open the object", key, ex);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKey.ValidatePrefix(prefix);
        var root = _prefix.Length == 0 ? string.Empty : _prefix + "/";
        string? continuation = null;
        do
        {
            ListObjectsV2Response page;
            try
            {
                page = await ExecuteAsync("ListObjectsV2", prefix, ct => _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = BucketName,
                    Prefix = root + prefix,
                    MaxKeys = _options.ListPageSize,
                    ContinuationToken = continuation,
                }, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or StorageException))
            {
                throw Wrap("could not list the objects", prefix, ex);
            }

            foreach (var item in page.S3Objects ?? [])
            {
                var key = item.Key[root.Length..];
                if (StorageKey.IsValid(key))
                {
                    yield return new StorageObjectInfo(key, item.Size ?? 0, item.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue, null);
                }
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <inheritdoc />
    public async Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            var head = await HeadAsync(key, objectKey, cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                return null;
            }

            var size = head.ContentLength;
            var sha = head.Metadata[MetadataHeader];
            if (!IsSha256(sha))
            {
                sha = await ReadSidecarAsync(key, objectKey, size, cancellationToken).ConfigureAwait(false);
            }

            var modified = head.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;
            return new StorageObjectInfo(key, size, modified, IsSha256(sha) ? sha : null);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or StorageException))
        {
            throw Wrap("could not read the object's details", key, ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            if (await HeadAsync(key, objectKey, cancellationToken).ConfigureAwait(false) is null)
            {
                return false;
            }

            await ExecuteAsync("DeleteObject", key, ct => _client.DeleteObjectAsync(BucketName, objectKey, ct), cancellationToken).ConfigureAwait(false);
            await DeleteSidecarAsync(objectKey, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or StorageException))
        {
            throw Wrap("could not delete the object", key, ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    internal static bool IsTransient(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case AmazonServiceException service when (int)service.StatusCode >= 500
                    || service.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
                    || service.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "RequestTimeTooSkewed":
                case HttpRequestException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    private static AmazonS3Client CreateClient(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            MaxErrorRetry = 0, // Retries are the Polly pipeline's, with backoff; the SDK's own would multiply them.
            Timeout = options.RequestTimeout,
        };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        if (options.CompatibilityMode)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return options.Credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(options.Credentials, config);
    }

    private static bool IsNotFound(AmazonServiceException ex)
        => ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NotFound";

    private static bool IsSha256(string? value)
        => value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Sha256Hex(IncrementalHash hash) => Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();

    private ResiliencePipeline CreatePipeline()
    {
        var builder = new ResiliencePipelineBuilder();
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetryAttempts,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested
                    && (IsTransient(ex) || ex is OperationCanceledException)),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, "S3");
                    var key = args.Context.Properties.GetValue(KeyKey, string.Empty);
                    Log.Retrying(_logger, operation, Name, key, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private static readonly ResiliencePropertyKey<string> OperationKey = new("dbresilience.s3.operation");
    private static readonly ResiliencePropertyKey<string> KeyKey = new("dbresilience.s3.key");
    private const string OperationDataKey = "dbresilience.s3.operation";

    private async Task<T> ExecuteAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(KeyKey, key);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, state) => await state(ctx.CancellationToken).ConfigureAwait(false), context, action)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ex.Data[OperationDataKey] = operation;
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
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
                    : new TwoBufferStream(first, firstLength, second!, secondLength),
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

    private async Task<GetObjectResponse> GetWholeObjectAsync(string objectKey, CancellationToken cancellationToken)
    {
        // The whole object, asked for as the range "bytes=0-": for a plain GET the SDK wraps the body in its managed MD5 stream,
        // which allocates about 1.4 bytes of garbage per byte read (and grows the process by the GC's gen0 budget) to check an
        // ETag that the SHA-256 of OpenReadVerifiedAsync checks better. A range GET hands back the HTTP body itself.
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = BucketName, Key = objectKey, ByteRange = new ByteRange("bytes=0-") }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || ex.ErrorCode == "InvalidRange")
        {
            // An empty object has no byte 0 (S3 answers 416): fetch it whole.
            return await _client.GetObjectAsync(BucketName, objectKey, cancellationToken).ConfigureAwait(false);
        }

        if (response.ContentRange is { } range && range.EndsWith("/0", StringComparison.Ordinal))
        {
            // Some S3-compatible stores (s3rver) answer "bytes 0-0/0" with a body they never send: fetch the empty object whole.
            response.Dispose();
            return await _client.GetObjectAsync(BucketName, objectKey, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private async Task<GetObjectMetadataResponse?> HeadAsync(string key, string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteAsync("HeadObject", key, ct => _client.GetObjectMetadataAsync(BucketName, objectKey, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    private async Task AbortAsync(string key, string objectKey, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ExecuteAsync("AbortMultipartUpload", key, ct => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = BucketName,
                Key = objectKey,
                UploadId = uploadId,
            }, ct), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException or SocketException)
        {
            Log.AbortFailed(_logger, Name, key, uploadId, ex);
        }
    }

    private string ObjectKey(string key)
    {
        StorageKey.Validate(key);
        return _prefix.Length == 0 ? key : _prefix + "/" + key;
    }

    private static string SidecarKey(string objectKey)
    {
        var slash = objectKey.LastIndexOf('/');
        return objectKey[..(slash + 1)] + ChecksumPrefix + objectKey[(slash + 1)..];
    }

    private StorageException Wrap(string what, string key, Exception ex)
    {
        var detail = ex is AmazonServiceException service
            ? $"{service.ErrorCode ?? ((int)service.StatusCode).ToString(CultureInfo.InvariantCulture)}: {service.Message}"
            : ex.Message;
        var operation = ex.Data[OperationDataKey] is string name ? name + " " : string.Empty;
        return new StorageException(Name, key, $"{what} ({operation}{detail}).", ex, IsTransient(ex));
    }

    /// <summary>A read-only, seekable stream over the used bytes of two buffers, one after the other (the body of a two-part PutObject).</summary>
    private sealed class TwoBufferStream(byte[] first, int firstLength, byte[] second, int secondLength) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => (long)firstLength + secondLength;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (buffer.Length > 0 && _position < Length)
            {
                var source = _position < firstLength
                    ? first.AsSpan((int)_position, firstLength - (int)_position)
                    : second.AsSpan((int)(_position - firstLength), secondLength - (int)(_position - firstLength));
                var count = Math.Min(source.Length, buffer.Length);
                source[..count].CopyTo(buffer);
                buffer = buffer[count..];
                _position += count;
                total += count;
            }

            return total;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The body of a GetObject response; disposing it disposes the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
