using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.Azure;

/// <summary>
/// Stores objects as block blobs in an Azure Blob Storage container under a prefix: <c>azblob://container/prefix/backups/ID/data.dump</c>.
/// </summary>
/// <remarks>
/// <para>
/// A write reads the stream one block at a time (<see cref="AzureBlobStorageOptions.BlockSize"/>, two block buffers at most) and
/// computes its SHA-256 on the way. An object smaller than one block goes up with one Put Blob request; a larger one is staged
/// block by block (Put Block) under a name of its own, and becomes visible under its key only with the one Put Block List that
/// follows the whole stream, carrying the SHA-256 in the blob's metadata (<c>x-ms-meta-sha256</c>). A failed or cancelled write
/// therefore leaves no blob under the key (and the previous blob, if any, untouched); its staged blocks stay uncommitted, invisible
/// to every read and listing, and the service discards them (after seven days on Azure).
/// </para>
/// <para>
/// Requests are retried by the Azure SDK's retry policy (exponential backoff with jitter) on transient failures, each try bounded
/// by <see cref="AzureBlobStorageOptions.RequestTimeout"/>. The container is created private when missing, and a container that
/// allows anonymous read access is refused.
/// </para>
/// </remarks>
public sealed partial class AzureBlobStorageProvider : IStorageProvider
{
    /// <summary>The metadata name holding the SHA-256 (sent as <c>x-ms-meta-sha256</c>).</summary>
    public const string Sha256MetadataName = "sha256";

    /// <summary>The most blocks Azure accepts in one block blob.</summary>
    internal const int MaxBlockCount = 50_000;

    /// <summary>How many blocks go up at one size before the block size doubles (see <see cref="BlockSizeOf"/>).</summary>
    internal const int BlocksPerSizeStep = 10_000;

    private readonly AzureBlobStorageOptions _options;
    private readonly BlobContainerClient _container;
    private readonly RetryLoggingPolicy _retryLog;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly object _gate = new();
    private Task? _ready;

    /// <summary>Initializes a new instance of the <see cref="AzureBlobStorageProvider"/> class.</summary>
    /// <param name="options">The container, prefix, endpoint, credential and settings; copied.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="DbResilienceConfigurationException">The options are not valid; every problem is listed (secrets are not shown).</exception>
    public AzureBlobStorageProvider(AzureBlobStorageOptions options, ILogger<AzureBlobStorageProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new DbResilienceConfigurationException(problems.Select(p => "Azure Blob storage: " + p));
        }

        _options = options.Clone();
        _prefix = _options.Prefix.Trim('/');
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Name = DisplayName(_options);
        _retryLog = new RetryLoggingPolicy(_logger, Name);
        _container = CreateServiceClient(_options, _retryLog).GetBlobContainerClient(_options.ContainerName);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets the container.</summary>
    public string ContainerName => _options.ContainerName!;

    /// <summary>Gets the container client (for tests that inspect the container).</summary>
    internal BlobContainerClient Container => _container;

    /// <summary>Gets how many requests the SDK tried again, for tests.</summary>
    internal int Retries => _retryLog.Retries;

    /// <summary>Gets the display name a storage with these options would have, for example <c>azblob://container/prefix at https://account.blob.core.windows.net</c>; never contains credentials.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The display name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static string DisplayName(AzureBlobStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = options.Prefix.Trim('/');
        var name = "azblob://" + options.ContainerName + (prefix.Length == 0 ? string.Empty : "/" + prefix);
        var endpoint = Endpoint(options);
        return endpoint is null ? name : $"{name} at {WithoutCredentials(endpoint)}";
    }

    /// <summary>
    /// Returns the address without its query, fragment and user information: a connection string's <c>SharedAccessSignature</c>
    /// becomes the client's query (its <c>sig</c> is the secret), and the name goes into messages and logs.
    /// </summary>
    private static Uri WithoutCredentials(Uri endpoint) =>
        endpoint.IsAbsoluteUri ? new UriBuilder(endpoint) { Query = string.Empty, Fragment = string.Empty, UserName = string.Empty, Password = string.Empty }.Uri : endpoint;

    /// <inheritdoc />
    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var blobName = BlobName(key);
        ArgumentNullException.ThrowIfNull(content);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var blob = _container.GetBlockBlobClient(blobName);
        return await UploadAsync(key, blob, content, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var blobName = BlobName(key);
        try
        {
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            var response = await _container.GetBlobClient(blobName).DownloadStreamingAsync(new BlobDownloadOptions(), cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new StorageObjectNotFoundException(Name, key);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Wrap("could not open the object", key, ex);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKey.ValidatePrefix(prefix);
        var root = _prefix.Length == 0 ? string.Empty : _prefix + "/";
        IAsyncEnumerator<Page<BlobItem>>? pages = null;
        try
        {
            try
            {
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                pages = _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, root + prefix, cancellationToken)
                    .AsPages(continuationToken: null, pageSizeHint: _options.ListPageSize)
                    .GetAsyncEnumerator(cancellationToken);
            }
            catch (Exception ex) when (IsFailure(ex, cancellationToken))
            {
                throw Wrap("could not list the objects", prefix, ex);
            }

            while (true)
            {
                bool more;
                try
                {
                    more = await pages.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsFailure(ex, cancellationToken))
                {
                    throw Wrap("could not list the objects", prefix, ex);
                }

                if (!more)
                {
                    break;
                }

                foreach (var item in pages.Current.Values)
                {
                    var key = item.Name[root.Length..];
                    if (StorageKey.IsValid(key))
                    {
                        yield return new StorageObjectInfo
                        {
                            Key = key,
                            Size = item.Properties.ContentLength ?? 0,
                            LastModified = item.Properties.LastModified ?? DateTimeOffset.MinValue,
                        };
                    }
                }
            }
        }
        finally
        {
            if (pages is not null)
            {
                await pages.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var blobName = BlobName(key);
        try
        {
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            var properties = (await _container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            var sha = properties.Metadata.TryGetValue(Sha256MetadataName, out var value) && IsSha256(value) ? value : null;
            return new StorageObjectInfo { Key = key, Size = properties.ContentLength, LastModified = properties.LastModified, Sha256 = sha };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Wrap("could not read the object's details", key, ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var blobName = BlobName(key);
        try
        {
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            var response = await _container.GetBlobClient(blobName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Wrap("could not delete the object", key, ex);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Gets the size of block <paramref name="blockNumber"/> (from 1): <paramref name="blockSize"/>, doubled every 10,000 blocks, at most 1 GiB.</summary>
    /// <param name="blockSize">The configured block size.</param>
    /// <param name="blockNumber">The block number, from 1.</param>
    /// <returns>The size of that block in bytes (the last block may be shorter).</returns>
    internal static int BlockSizeOf(int blockSize, int blockNumber)
    {
        var step = Math.Min((blockNumber - 1) / BlocksPerSizeStep, 30);
        var grown = (long)blockSize << step;
        return (int)Math.Max(blockSize, Math.Min(grown, AzureBlobStorageOptions.MaximumBlockSize));
    }

    internal static bool IsTransient(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case RequestFailedException failed when failed.Status is 0 or 408 or 429 or >= 500:
                case HttpRequestException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    private static Uri? Endpoint(AzureBlobStorageOptions options)
    {
        if (options.ServiceUri is { } uri)
        {
            return uri;
        }

        if (options.AccountName is { } account)
        {
            return new Uri($"https://{account}.blob.core.windows.net");
        }

        if (options.ConnectionString is { } connectionString)
        {
            try
            {
                // The client parses the connection string without a request; with a SharedAccessSignature its Uri holds the token.
                return new BlobServiceClient(connectionString).Uri;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                return null;
            }
        }

        return null;
    }

    private static BlobServiceClient CreateServiceClient(AzureBlobStorageOptions options, RetryLoggingPolicy retryLog)
    {
        var clientOptions = new BlobClientOptions();
        var maxDelay = TimeSpan.FromTicks(Math.Max(options.RetryDelay.Ticks * 16, TimeSpan.FromSeconds(1).Ticks));
        clientOptions.Retry.MaxRetries = options.MaxRetryAttempts;
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        clientOptions.RetryPolicy = new TransientRetryPolicy(options.MaxRetryAttempts, options.RetryDelay, maxDelay);
        clientOptions.AddPolicy(retryLog, HttpPipelinePosition.PerRetry);
        if (options.ConnectionString is { } connectionString)
        {
            return new BlobServiceClient(connectionString, clientOptions);
        }

        if (options.AccountName is { } account)
        {
            return new BlobServiceClient(Endpoint(options), new StorageSharedKeyCredential(account, options.AccountKey), clientOptions);
        }

        return new BlobServiceClient(options.ServiceUri, options.Credential, clientOptions);
    }

    private static bool IsSha256(string? value)
        => value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static bool IsFailure(Exception ex, CancellationToken cancellationToken)
        => ex is not (StorageException or ArgumentException) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = CheckContainerAsync();
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    private async Task CheckContainerAsync()
    {
        BlobContainerProperties properties;
        try
        {
            properties = (await _container.GetPropertiesAsync().ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            try
            {
                await _container.CreateIfNotExistsAsync(PublicAccessType.None).ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is not StorageException)
            {
                throw Wrap("could not create the container", null, inner);
            }

            Log.ContainerCreated(_logger, Name);
            return;
        }
        catch (Exception ex) when (ex is not StorageException)
        {
            throw Wrap("could not read the container's properties", null, ex);
        }

        if (properties.PublicAccess is { } access && access != PublicAccessType.None)
        {
            throw new StorageException(Name, key: null,
                $"the container '{ContainerName}' allows anonymous public read access ({access}), so anyone could read the backups. "
                + $"Make it private: az storage container set-permission --name {ContainerName} --public-access off "
                + "(or in the Azure portal: the container, Change access level, Private), then try again.",
                innerException: null, isTransient: false);
        }
    }

    private string BlobName(string key)
    {
        StorageKey.Validate(key);
        return _prefix.Length == 0 ? key : _prefix + "/" + key;
    }

    private StorageException Wrap(string what, string? key, Exception ex)
    {
        // The first line of a RequestFailedException names status and error code; the rest (response headers and body) is left out.
        var detail = ex is RequestFailedException failed
            ? $"{failed.ErrorCode ?? failed.Status.ToString(CultureInfo.InvariantCulture)}: {failed.Message.Split('\n')[0].Trim()}"
            : ex.Message;
        return new StorageException(Name, key, $"{what} ({detail}).", ex, IsTransient(ex) || ex is OperationCanceledException);
    }
}
