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
/// <para>
/// The class is split by job: this file reads, lists, deletes and retries; <c>S3StorageProvider.MultipartWriter.cs</c> writes
/// (one PutObject or a multipart upload); <c>S3StorageProvider.ChecksumRecord.cs</c> keeps the SHA-256 in metadata or a
/// sidecar; <see cref="S3TwoBufferStream"/> and <see cref="S3ResponseStream"/> are the streams they use.
/// </para>
/// </remarks>
public sealed partial class S3StorageProvider : IStorageProvider, IDisposable
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
    private readonly ResiliencePipeline _abortPipeline;
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
        _pipeline = CreatePipeline(abort: false);
        _abortPipeline = CreatePipeline(abort: true);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets the most parts one upload may have: S3's 10,000 (lowered by tests, which cannot send 10,001 parts).</summary>
    internal int MaxParts { get; init; } = MaxPartCount;

    /// <summary>
    /// Gets how long the abort of a failed multipart upload keeps trying: its retries are spread over this window, so that an
    /// outage that outlasted the upload's retries (the reason it failed) can end before the abort gives up and leaves the parts
    /// behind. 30 seconds; lowered by tests that count retries against a server that never comes back.
    /// </summary>
    internal TimeSpan AbortPatience { get; init; } = TimeSpan.FromSeconds(30);

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
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            var response = await ExecuteAsync("GetObject", key, ct => GetWholeObjectAsync(objectKey, ct), cancellationToken).ConfigureAwait(false);
            return new S3ResponseStream(response, _options.RequestTimeout, Name, key);
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
                    yield return new StorageObjectInfo { Key = key, Size = item.Size ?? 0, LastModified = item.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue };
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
            return new StorageObjectInfo { Key = key, Size = size, LastModified = modified, Sha256 = IsSha256(sha) ? sha : null };
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

    private ResiliencePipeline CreatePipeline(bool abort)
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
                DelayGenerator = abort
                    ? _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromTicks(Math.Max(_options.RetryDelay.Ticks, AbortPatience.Ticks / _options.MaxRetryAttempts)))
                    : null,
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

    private async Task<T> ExecuteAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool abort = false)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(KeyKey, key);
        try
        {
            return await (abort ? _abortPipeline : _pipeline).ExecuteAsync(static async (ctx, state) => await state(ctx.CancellationToken).ConfigureAwait(false), context, action)
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

    private string ObjectKey(string key)
    {
        StorageKey.Validate(key);
        return _prefix.Length == 0 ? key : _prefix + "/" + key;
    }

    private StorageException Wrap(string what, string key, Exception ex)
    {
        var detail = ex is AmazonServiceException service
            ? $"{service.ErrorCode ?? ((int)service.StatusCode).ToString(CultureInfo.InvariantCulture)}: {service.Message}"
            : ex.Message;
        var operation = ex.Data[OperationDataKey] is string name ? name + " " : string.Empty;
        // An OperationCanceledException reaches here only when the caller did not cancel: a request that timed out, which the
        // retry pipeline treats as transient too.
        return new StorageException(Name, key, $"{what} ({operation}{detail}).", ex, IsTransient(ex) || ex is OperationCanceledException);
    }
}
