using System.Diagnostics;
using System.Security.Cryptography;
using Inknowing.DbResilience.Azure;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Storage;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Storage faults against Azure Blob storage: the Blob provider talks to azurite through <see cref="FaultyTcpProxy"/>, which
/// resets connections in the middle of uploads, stalls them past the request timeout and refuses every connection for a while
/// (the server down, then back). Each write retries and succeeds, or fails cleanly within its timeout naming the storage;
/// afterwards no block list is committed under a failed key and every blob stored matches its recorded checksum.
/// </summary>
[Category("Reliability")]
// Mostly waiting, and self-contained (its own blob containers and proxies on free ports): it runs beside StorageFaultTests,
// never beside the rest (see docs/testing.md).
[Parallelizable(ParallelScope.Self)]
public sealed class BlobStorageFaultTests
{
    private const int BlockSize = 5 * 1024 * 1024;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private static AzuriteServer Server => TestServers.Azurite;

    [Test]
    public async Task WriteAsync_ConnectionsResetMidUpload_RetriesAndStoresTheWholeObject()
    {
        await using var proxy = new FaultyTcpProxy(Server.Port);
        var storage = NewStorage(proxy, NewContainer());
        var random = ReliabilityTrials.NewRandom("storage/reset-mid-upload/azurite");
        var lost = 0;
        var refused = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            // Alternately one Put Blob (under one block) and four staged blocks committed by one Put Block List.
            var size = trial % 2 == 0 ? (3L * 1024 * 1024) + trial : (3L * BlockSize) + 17 + trial;
            var before = proxy.Refused;
            proxy.CutAfter(bytes: random.NextInt64(64 * 1024, size), connections: random.Next(1, 3));

            var written = await storage.WriteAsync($"reset/{trial}", new PatternStream(size, seed: trial));

            refused += proxy.Refused - before;
            if (written.Sha256 != PatternStream.Sha256Of(size, seed: trial) || await ReadSha256Async(storage, $"reset/{trial}") != written.Sha256)
            {
                lost++;
            }
        }

        var problems = await CheckContainerAsync(storage);
        ReliabilityTrials.Record("storage/reset-mid-upload/azurite", ReliabilityTrials.Count, refused, lost + problems.Count,
            "3 MiB Put Blob and 4-block uploads; every blob's checksum read back");
        refused.Should().BeGreaterThan(0, "the faults must have hit the uploads");
        storage.Retries.Should().BeGreaterThan(0, "the SDK's retry policy must have sent the failed requests again");
        lost.Should().Be(0);
        problems.Should().BeEmpty();
    }

    [Test]
    public async Task WriteAsync_StallPastTheRequestTimeout_RetriesOnANewConnectionAndSucceeds()
    {
        await using var proxy = new FaultyTcpProxy(Server.Port);
        var storage = NewStorage(proxy, NewContainer());
        await storage.WriteAsync("warm-up", new PatternStream(1));
        var size = (3L * BlockSize) + 5;
        proxy.StallRequestsAfter(BlockSize + (BlockSize / 2));
        var clock = Stopwatch.StartNew();

        var written = await storage.WriteAsync("stall/k", new PatternStream(size));

        var elapsed = clock.Elapsed;
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        proxy.Stalled.Should().BeGreaterThan(0, "the stall must have hit the upload");
        elapsed.Should().BeGreaterThan(RequestTimeout);
        var problems = await CheckContainerAsync(storage);
        ReliabilityTrials.Record("storage/stall-upload/azurite", 1, proxy.Stalled, problems.Count,
            $"a 4-block upload stalled in block 2 with a 3 s request timeout; retried in {elapsed.TotalSeconds:0.0} s");
        problems.Should().BeEmpty();
    }

    [Test]
    public async Task WriteAsync_ServerDownThenBack_RetriesOutlastTheOutageAndSucceed()
    {
        var outage = TimeSpan.FromSeconds(4);
        await using var proxy = new FaultyTcpProxy(Server.Port);
        var retries = (int)Math.Ceiling(Math.Log2(outage.TotalSeconds + 1)) + 2;
        var storage = NewStorage(proxy, NewContainer(), maxRetries: retries, retryDelay: TimeSpan.FromSeconds(1));
        await storage.WriteAsync("warm-up", new PatternStream(1));
        var size = (3L * BlockSize) + 11;
        var source = new PatternStream(size) { TriggerAt = 2L * BlockSize, OnReached = () => proxy.RefuseFor(outage) };
        var clock = Stopwatch.StartNew();

        var written = await storage.WriteAsync("outage/k", source);

        var elapsed = clock.Elapsed;
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        (await ReadSha256Async(storage, "outage/k")).Should().Be(written.Sha256);
        proxy.Refused.Should().BeGreaterThan(0, "the outage must have hit the upload");
        elapsed.Should().BeGreaterThan(outage);
        var problems = await CheckContainerAsync(storage);
        ReliabilityTrials.Record($"storage/server-down-{outage.TotalSeconds:0}s/azurite", 1, proxy.Refused, problems.Count,
            $"a 4-block upload with {retries} retries from 1 s: done in {elapsed.TotalSeconds:0.0} s");
        problems.Should().BeEmpty();
    }

    [Test]
    public async Task WriteAsync_ServerDownLongerThanTheRetries_FailsCleanlyWithinTheTimeoutAndCommitsNothing()
    {
        await using var proxy = new FaultyTcpProxy(Server.Port);
        var storage = NewStorage(proxy, NewContainer(), maxRetries: 2);
        await storage.WriteAsync("warm-up", new PatternStream(1));
        var size = (3L * BlockSize) + 11;
        var source = new PatternStream(size) { TriggerAt = 2L * BlockSize, OnReached = () => proxy.RefuseFor(TimeSpan.FromSeconds(12)) };
        var clock = Stopwatch.StartNew();

        var write = () => storage.WriteAsync("down/k", source);

        var error = (await write.Should().ThrowAsync<StorageException>()).Which;
        var elapsed = clock.Elapsed;
        error.IsTransient.Should().BeTrue(error.ToString());
        error.Message.Should().Contain(storage.Name).And.Contain("down/k").And.NotContain(AzuriteServer.AccountKey);
        storage.Retries.Should().BeLessThanOrEqualTo(2 * 2, "each request in flight (two at most) is tried twice more, no more");
        elapsed.Should().BeLessThan(3 * (RequestTimeout + TimeSpan.FromSeconds(2)), "each of the 3 tries is bounded by the request timeout");
        proxy.RefuseFor(TimeSpan.Zero);
        (await storage.GetInfoAsync("down/k")).Should().BeNull("a failed upload leaves nothing under its final key");
        await AzureBlobStorageConformanceTests.AssertNothingCommittedAsync(
            AzureBlobStorageConformanceTests.RawClient(Server).GetBlobContainerClient(storage.ContainerName), "db/down/k");
        var problems = await CheckContainerAsync(storage);
        ReliabilityTrials.Record("storage/server-down-past-retries/azurite", 1, proxy.Refused, problems.Count,
            $"a 12 s outage, 2 retries: failed cleanly in {elapsed.TotalSeconds:0.0} s; no blob and no committed block list under the key");
        problems.Should().BeEmpty();
    }

    private static string NewContainer() => "faults-" + Guid.NewGuid().ToString("N")[..10];

    private static AzureBlobStorageProvider NewStorage(FaultyTcpProxy proxy, string container, int maxRetries = 4, TimeSpan? retryDelay = null)
    {
        var options = AzureBlobStorageConformanceTests.Options(new Uri($"{proxy.Endpoint}{AzuriteServer.AccountName}"), container, BlockSize, 1000, maxRetries);
        options.Prefix = "db";
        options.RetryDelay = retryDelay ?? TimeSpan.FromMilliseconds(100);
        options.RequestTimeout = RequestTimeout;
        return new AzureBlobStorageProvider(options);
    }

    /// <summary>Returns the blobs whose bytes do not match their recorded SHA-256 (or that have none), read past the proxy; then deletes the container.</summary>
    private static async Task<List<string>> CheckContainerAsync(AzureBlobStorageProvider faulty)
    {
        var options = AzureBlobStorageConformanceTests.Options(Server.BlobEndpoint, faulty.ContainerName);
        options.Prefix = "db";
        var storage = new AzureBlobStorageProvider(options);
        var problems = new List<string>();
        await foreach (var item in storage.ListAsync(string.Empty))
        {
            var info = await storage.GetInfoAsync(item.Key);
            var actual = await ReadSha256Async(storage, item.Key);
            if (info?.Sha256 is null || info.Sha256 != actual)
            {
                problems.Add($"{item.Key}: recorded SHA-256 {info?.Sha256 ?? "none"}, bytes {actual}");
            }
        }

        await storage.Container.DeleteIfExistsAsync();
        return problems;
    }

    private static async Task<string> ReadSha256Async(AzureBlobStorageProvider storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream)).ToLowerInvariant();
    }
}
