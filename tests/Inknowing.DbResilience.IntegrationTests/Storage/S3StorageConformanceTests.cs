using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>The conformance suite against s3rver with the compatibility setting on, plus checks particular to S3.</summary>
public sealed class S3rverStorageConformanceTests : S3StorageConformanceTests
{
    protected override S3TestServer Server => TestServers.S3rver;

    [Test]
    public async Task WriteAsync_CompatibilityMode_StoresByteIdenticalObjectsThatOtherClientsRead()
    {
        await Storage.WriteAsync("raw/k", new PatternStream(PartSize + 17));

        using var response = await RawClient.GetObjectAsync(Bucket, Prefix + "/raw/k");
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);

        copy.ToArray().Should().Equal(PatternStream.BytesOf(PartSize + 17));
        (await Storage.GetInfoAsync("raw/k"))!.Sha256.Should().Be(PatternStream.Sha256Of(PartSize + 17));
        await Storage.WriteAsync("raw/small", new PatternStream(100));
        using var small = await RawClient.GetObjectAsync(Bucket, Prefix + "/raw/small");
        small.Metadata["x-amz-meta-sha256"].Should().Be(PatternStream.Sha256Of(100));
    }

    [Test]
    public async Task WriteAsync_ServerStoppedMidUpload_FailsCleanlyAfterRetriesNamingStorageAndKey()
    {
        var server = await S3TestServer.StartS3rverAsync();
        var stopped = false;
        try
        {
            using var client = CreateClient(server);
            await client.PutBucketAsync("stopped");
            var logger = new RetryCountingLogger();
            // The abort's retries are not spread over the usual 30 s: this server never comes back.
            using var storage = new S3StorageProvider(Options(server, "stopped", PartSize, PageSize, maxRetries: 2), logger) { AbortPatience = TimeSpan.Zero };
            // The server stops while part 3 is read, part 2 being on its way (parts 1 and 2 are read before the upload starts).
            var source = new PatternStream(4L * PartSize) { TriggerAt = 3L * PartSize, OnReached = Stop };

            var write = () => storage.WriteAsync("stopped/k", source);

            var error = (await write.Should().ThrowAsync<StorageException>()).Which;
            error.IsTransient.Should().BeTrue();
            error.Message.Should().Contain(storage.Name).And.Contain("stopped/k").And.NotContain(S3TestServer.SecretKey);
            logger.Retries.Should().Be(4, "the Polly pipeline tries the failed part twice more, then the abort of the upload twice more");
        }
        finally
        {
            if (!stopped)
            {
                await server.DisposeAsync();
            }
        }

        void Stop()
        {
            stopped = true;
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // s3rver 3.7.1 answers AbortMultipartUpload with 405 and has no ListMultipartUploads: the provider's abort is attempted
    // (and logged as failed); what can be checked here is that no object appeared, which the suite does.
    protected override Task AssertNoPendingUploadsAsync() => Task.CompletedTask;
}

/// <summary>The conformance suite against fauxqs with the AWS SDK defaults (flexible checksums, aws-chunked uploads).</summary>
public sealed class FauxqsStorageConformanceTests : S3StorageConformanceTests
{
    protected override S3TestServer Server => TestServers.Fauxqs;

    [Test]
    public async Task WriteAsync_EncryptionAndStorageClass_AreSentWithPutAndMultipartUploads()
    {
        // fauxqs accepts but does not keep these headers, so the requests themselves are inspected.
        var sent = new List<(string Request, string? Encryption, string? StorageClass)>();
        using var client = CreateClient(Server);
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs { Request: var request })
            {
                var entry = request switch
                {
                    PutObjectRequest put => (nameof(PutObjectRequest), put.ServerSideEncryptionMethod?.Value, put.StorageClass?.Value),
                    InitiateMultipartUploadRequest init => (nameof(InitiateMultipartUploadRequest), init.ServerSideEncryptionMethod?.Value, init.StorageClass?.Value),
                    CopyObjectRequest copy => (nameof(CopyObjectRequest), copy.ServerSideEncryptionMethod?.Value, copy.StorageClass?.Value),
                    _ => default((string, string?, string?)?),
                };
                if (entry is { } value)
                {
                    lock (sent)
                    {
                        sent.Add(value);
                    }
                }
            }
        };
        var options = Options(Server, Bucket, PartSize, PageSize);
        options.Prefix = "tiered";
        options.ServerSideEncryption = "AES256";
        options.StorageClass = "STANDARD_IA";
        using var storage = new S3StorageProvider(options, client);

        await storage.WriteAsync("small", new PatternStream(10));
        await storage.WriteAsync("large", new PatternStream((2L * PartSize) + 1L));

        sent.Select(s => s.Request).Should().Equal(nameof(PutObjectRequest), nameof(InitiateMultipartUploadRequest), nameof(CopyObjectRequest));
        sent.Should().OnlyContain(s => s.Encryption == "AES256" && s.StorageClass == "STANDARD_IA");
        (await storage.GetInfoAsync("large"))!.Sha256.Should().Be(PatternStream.Sha256Of((2L * PartSize) + 1L));
    }

    [Test]
    public async Task WriteAsync_ConnectionsCutMidUpload_RecoversAndStoresTheWholeObject()
    {
        await using var proxy = new FaultyTcpProxy(Server.Port);
        var options = Options(Server, Bucket, PartSize, PageSize, maxRetries: 4);
        options.ServiceUrl = proxy.Endpoint;
        using var storage = new S3StorageProvider(options);
        proxy.CutAfter(bytes: (3L * PartSize / 2) + 1, connections: 2);
        var source = new PatternStream(3L * PartSize);

        var written = await storage.WriteAsync("flaky/k", source);

        written.Sha256.Should().Be(PatternStream.Sha256Of(3L * PartSize));
        (await ReadSha256Async(storage, "flaky/k")).Should().Be(written.Sha256);
        proxy.Refused.Should().Be(2, "the fault must have hit the upload");
    }

    protected override async Task AssertNoPendingUploadsAsync()
    {
        // fauxqs refuses to delete a bucket that still has multipart uploads in progress, so a bucket that is empty of
        // objects can be deleted only when the cancelled upload was aborted.
        var scratch = "abort-" + Guid.NewGuid().ToString("N")[..8];
        await RawClient.PutBucketAsync(scratch);
        using var storage = new S3StorageProvider(Options(Server, scratch, PartSize, PageSize, maxRetries: 1));
        using var cancellation = new CancellationTokenSource();
        var source = new PatternStream(4L * PartSize) { TriggerAt = (2L * PartSize) + 100, OnReached = cancellation.Cancel };
        await FluentActions.Awaiting(() => storage.WriteAsync("k", source, cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();

        var delete = () => RawClient.DeleteBucketAsync(scratch);

        await delete.Should().NotThrowAsync("the cancelled multipart upload must have been aborted");
    }
}

/// <summary>Counts the S3 provider's retry warnings (event 4100) and keeps the delay each announced.</summary>
internal sealed class RetryCountingLogger : Microsoft.Extensions.Logging.ILogger<S3StorageProvider>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _delays = new();
    private int _retries;

    public int Retries => _retries;

    /// <summary>Gets the delay of each retry, in the order they were announced.</summary>
    public IReadOnlyList<TimeSpan> Delays => [.. _delays];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == 4100)
        {
            Interlocked.Increment(ref _retries);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Delay").Value is TimeSpan delay)
            {
                _delays.Enqueue(delay);
            }
        }
    }
}

/// <summary>The S3 side of the conformance suite: a fresh bucket and prefix per fixture on one of the test servers.</summary>
public abstract class S3StorageConformanceTests : StorageProviderConformanceTests
{
    private AmazonS3Client? _rawClient;

    protected string Bucket { get; } = "conformance-" + Guid.NewGuid().ToString("N")[..8];

    protected const string Prefix = "db1";

    protected abstract S3TestServer Server { get; }

    protected AmazonS3Client RawClient => _rawClient ??= CreateClient(Server);

    protected static S3StorageOptions Options(S3TestServer server, string bucket, int partSize, int pageSize, int maxRetries = 4) => new()
    {
        BucketName = bucket,
        Prefix = Prefix,
        ServiceUrl = server.Endpoint,
        ForcePathStyle = true,
        CompatibilityMode = server.RequiresCompatibilityMode,
        Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
        PartSize = partSize,
        ListPageSize = pageSize,
        MaxRetryAttempts = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(100),
    };

    internal static AmazonS3Client CreateClient(S3TestServer server)
    {
        var config = new AmazonS3Config { ServiceURL = server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" };
        if (server.RequiresCompatibilityMode)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), config);
    }

    protected override async Task<IStorageProvider> CreateStorageAsync(int partSize, int listPageSize)
    {
        await RawClient.PutBucketAsync(Bucket);
        return new S3StorageProvider(Options(Server, Bucket, partSize, listPageSize));
    }

    protected override Task DestroyStorageAsync()
    {
        _rawClient?.Dispose();
        return Task.CompletedTask;
    }

    [Test]
    public async Task WriteAsync_MorePartsThanTheLimit_FailsNamingPartSizeAndLeavesNoObject()
    {
        // S3 takes at most 10,000 parts; the limit is lowered to 3 here, as 10,001 parts cannot be sent in a test.
        using var storage = new S3StorageProvider(Options(Server, Bucket, PartSize, PageSize)) { MaxParts = 3 };

        var write = () => storage.WriteAsync("limit/k", new PatternStream((3L * PartSize) + 1));

        var error = (await write.Should().ThrowAsync<StorageException>()).Which;
        error.Message.Should().Contain("limit/k").And.Contain("3 parts").And.Contain("S3StorageOptions.PartSize");
        error.IsTransient.Should().BeFalse();
        (await storage.GetInfoAsync("limit/k")).Should().BeNull();
        await AssertNoPendingUploadsAsync();
    }

    [TestCase(1, 0)]
    [TestCase(2, 0)]
    [TestCase(2, 1)]
    public async Task WriteAsync_UpToTwoParts_IsOnePutObject(int parts, int extraBytes)
    {
        var sent = new List<string>();
        using var client = CreateClient(Server);
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs { Request: var request })
            {
                lock (sent)
                {
                    sent.Add(request.GetType().Name);
                }
            }
        };
        using var storage = new S3StorageProvider(Options(Server, Bucket, PartSize, PageSize), client);
        var size = ((long)parts * PartSize) + extraBytes;

        var written = await storage.WriteAsync($"exact/{size}", new PatternStream(size));

        // The single-put path also deletes a stale checksum sidecar (DeleteObject), but never starts a multipart upload; one
        // byte more than two parts is a multipart upload of three parts.
        var requests = sent.Where(r => r != nameof(DeleteObjectRequest)).ToList();
        if (size <= 2L * PartSize)
        {
            requests.Should().Equal(nameof(PutObjectRequest));
        }
        else
        {
            requests.Where(r => r == nameof(UploadPartRequest)).Should().HaveCount(3);
            requests.Should().StartWith(nameof(InitiateMultipartUploadRequest));
        }

        written.Size.Should().Be(size);
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        (await storage.GetInfoAsync($"exact/{size}"))!.Sha256.Should().Be(PatternStream.Sha256Of(size));
        (await ReadSha256Async(storage, $"exact/{size}")).Should().Be(PatternStream.Sha256Of(size));
    }

    [Test]
    public async Task WriteAsync_ManyParts_AllocatesTwoPartBuffersAndNoCopyOfTheBody()
    {
        // Eight parts: a provider (or an SDK setting) that copied or buffered the body would allocate at least the object's size.
        const long size = 8L * PartSize;
        await Storage.WriteAsync("memory/warm-up", new PatternStream(PartSize + 1));
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await Storage.WriteAsync("memory/upload", new PatternStream(size));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        allocated.Should().BeLessThan(size / 2, "the upload holds two part buffers whatever the object's size");
        (await Storage.GetInfoAsync("memory/upload"))!.Sha256.Should().Be(PatternStream.Sha256Of(size));
    }

    [Test]
    public async Task OpenReadAsync_LargeObject_StreamsTheBodyWithoutPerByteAllocations()
    {
        // A plain GetObject comes wrapped in the SDK's managed MD5 stream, which allocates more than the bytes it reads.
        const long size = 4L * PartSize;
        await Storage.WriteAsync("memory/download", new PatternStream(size));
        var buffer = new byte[1024 * 1024];
        await using var stream = await Storage.OpenReadAsync("memory/download");
        var before = GC.GetTotalAllocatedBytes(precise: true);

        long total = 0;
        for (var read = await stream.ReadAsync(buffer); read > 0; read = await stream.ReadAsync(buffer))
        {
            total += read;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        total.Should().Be(size);
        stream.Length.Should().Be(size);
        allocated.Should().BeLessThan(size / 8, "the HTTP body is read straight into the caller's buffer");
    }

    [Test]
    public async Task ListAsync_ObjectsOutsideThePrefix_AreNotListed()
    {
        await RawClient.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = "other-db/list/x",
            ContentBody = "x",
            UseChunkEncoding = !Server.RequiresCompatibilityMode,
        });

        var listed = await Storage.ListAsync(string.Empty).ToListAsync();

        listed.Should().NotContain(i => i.Key.Contains("other-db", StringComparison.Ordinal));
    }
}
