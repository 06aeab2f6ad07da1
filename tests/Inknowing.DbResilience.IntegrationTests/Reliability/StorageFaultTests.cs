using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;
using Inknowing.DbResilience.IntegrationTests.Storage;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Storage faults: the S3 provider and the CLI talk to s3rver and fauxqs through <see cref="FaultyTcpProxy"/>, which resets
/// connections in the middle of uploads, stalls them past the request timeout, throttles them to a slow link and refuses every
/// connection for a while (the server down, then back). Each operation retries and succeeds, or fails cleanly within its timeout
/// naming the storage; afterwards no multipart upload is left pending and every object stored matches its recorded checksum.
/// </summary>
[Category("Reliability")]
// Mostly waiting (outages, stalls, retries): it runs beside BlobStorageFaultTests, never beside the rest, which NUnit runs
// one at a time. It shares nothing with it: its own database, buckets, proxies on free ports and CLI processes, and the
// reliability results file is written under a lock.
[Parallelizable(ParallelScope.Self)]
public sealed class StorageFaultTests
{
    /// <summary>
    /// The environment variable that sets the long outage in seconds: 10 by default, which the exponential retries outlast
    /// as they would 30 s (set 30 for the issue's outage, 300 in the long mode); each second of it costs the run up to two.
    /// </summary>
    public const string OutageVariable = "DBRESILIENCE_RELIABILITY_OUTAGE_SECONDS";

    private const int PartSize = S3StorageOptions.MinimumPartSize;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private string _shop = null!;

    public static IEnumerable<string> Servers => ["s3rver", "fauxqs"];

    private static int OutageSeconds =>
        int.TryParse(Environment.GetEnvironmentVariable(OutageVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 10;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _shop = await BackupTestDatabase.CreateShopAsync();
        await BackupTestDatabase.ExecuteAsync(
            _shop, "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, 150000) g");
    }

    [TestCaseSource(nameof(Servers))]
    public async Task WriteAsync_ConnectionsResetMidUpload_RetriesAndStoresTheWholeObject(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        using var storage = NewStorage(server, proxy, bucket);
        var random = ReliabilityTrials.NewRandom($"storage/reset-mid-upload/{serverName}");
        var lost = 0;
        var refused = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            // Alternately a single PutObject (under two parts) and a multipart upload of four parts.
            var size = trial % 2 == 0 ? (3L * 1024 * 1024) + trial : (3L * PartSize) + 17 + trial;
            var before = proxy.Refused;
            proxy.CutAfter(bytes: random.NextInt64(64 * 1024, size), connections: random.Next(1, 3));

            var written = await storage.WriteAsync($"reset/{trial}", new PatternStream(size, seed: trial));

            refused += proxy.Refused - before;
            if (written.Sha256 != PatternStream.Sha256Of(size, seed: trial) || await ReadSha256Async(storage, $"reset/{trial}") != written.Sha256)
            {
                lost++;
            }
        }

        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/reset-mid-upload/{serverName}", ReliabilityTrials.Count, refused, lost + problems.Count,
            $"3 MiB PutObject and 4-part uploads; {PendingUploadsNote(server)}; every object's checksum read back");
        refused.Should().BeGreaterThan(0, "the faults must have hit the uploads");
        lost.Should().Be(0);
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task WriteAsync_StallPastTheRequestTimeout_RetriesOnANewConnectionAndSucceeds(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        using var storage = NewStorage(server, proxy, bucket);
        var size = (3L * PartSize) + 5;
        proxy.StallRequestsAfter(PartSize + (PartSize / 2));
        var clock = Stopwatch.StartNew();

        var written = await storage.WriteAsync("stall/k", new PatternStream(size));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(40));
        proxy.Stalled.Should().BeGreaterThan(0, "the stall must have hit the upload");
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/stall-upload/{serverName}", 1, proxy.Stalled, problems.Count,
            $"a 4-part upload stalled in part 2 with a {RequestTimeout.TotalSeconds:0} s request timeout; retried in {clock.Elapsed.TotalSeconds:0.0} s");
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task OpenReadAsync_StallMidDownload_FailsWithinTheRequestTimeoutAndTheNextReadSucceeds(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        using var storage = NewStorage(server, proxy, bucket);
        var size = 3L * 1024 * 1024;
        await storage.WriteAsync("stall/read", new PatternStream(size));
        proxy.StallResponsesAfter(1024 * 1024);
        var clock = Stopwatch.StartNew();

        var read = () => ReadSha256Async(storage, "stall/read").WaitAsync(TimeSpan.FromSeconds(60));

        // The body stops after 1 MiB: the read must end on its own within the request timeout, not hang.
        var error = (await read.Should().ThrowAsync<Exception>()).Which;
        var elapsed = clock.Elapsed;
        error.Should().BeOfType<StorageException>("a stalled download must fail within the request timeout, not hang (60 s here)");
        ((StorageException)error).IsTransient.Should().BeTrue();
        error.Message.Should().Contain(storage.Name).And.Contain("stall/read");
        elapsed.Should().BeLessThan(RequestTimeout * 3);
        (await ReadSha256Async(storage, "stall/read")).Should().Be(PatternStream.Sha256Of(size));
        ReliabilityTrials.Record($"storage/stall-download/{serverName}", 1, proxy.Stalled, 0,
            $"a 3 MiB download stalled after 1 MiB: failed in {elapsed.TotalSeconds:0.0} s ({RequestTimeout.TotalSeconds:0} s timeout), read again whole");
    }

    [TestCaseSource(nameof(Servers))]
    public async Task WriteAndRead_SlowLink_Succeed(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port) { BytesPerSecond = 4L * 1024 * 1024 };
        using var storage = NewStorage(server, proxy, bucket);
        var size = (2L * PartSize) + 3;
        var clock = Stopwatch.StartNew();

        var written = await storage.WriteAsync("slow/k", new PatternStream(size));
        var read = await ReadSha256Async(storage, "slow/k");

        var elapsed = clock.Elapsed;
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        read.Should().Be(written.Sha256);
        elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(4), "the link was throttled to 4 MiB/s both ways");
        proxy.BytesPerSecond = 0; // the bucket check reads everything again: at full speed, the scenario is over
        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/slow-link/{serverName}", 1, 0, problems.Count,
            $"a 10 MiB multipart upload and its download at 4 MiB/s: {elapsed.TotalSeconds:0.0} s");
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task WriteAsync_ServerDownThenBack_RetriesOutlastTheOutageAndSucceed(string serverName)
    {
        // The long outage on fauxqs (DBRESILIENCE_RELIABILITY_OUTAGE_SECONDS, 10 s by default); s3rver's is short. The retry after
        // the outage ends comes up to one exponential delay later: a 30 s outage took 50 to 67 s.
        var server = ServerNamed(serverName);
        var outage = TimeSpan.FromSeconds(serverName == "fauxqs" ? OutageSeconds : 4);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        var retries = (int)Math.Ceiling(Math.Log2(outage.TotalSeconds + 1)) + 2;
        var log = new RetryCountingLogger();
        using var storage = NewStorage(server, proxy, bucket, maxRetries: retries, retryDelay: TimeSpan.FromSeconds(1), logger: log);
        var size = (3L * PartSize) + 11;
        var source = new PatternStream(size) { TriggerAt = 3L * PartSize, OnReached = () => proxy.RefuseFor(outage) };
        var clock = Stopwatch.StartNew();

        var written = await storage.WriteAsync("outage/k", source);

        var elapsed = clock.Elapsed;
        written.Sha256.Should().Be(PatternStream.Sha256Of(size));
        (await ReadSha256Async(storage, "outage/k")).Should().Be(written.Sha256);
        proxy.Refused.Should().BeGreaterThan(0, "the outage must have hit the upload");
        elapsed.Should().BeGreaterThan(outage);
        var problems = await CheckBucketAsync(server, storage, bucket);
        var waits = string.Join(", ", log.Delays.Select(d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)));
        ReliabilityTrials.Record($"storage/server-down-{outage.TotalSeconds:0}s/{serverName}", 1, proxy.Refused, problems.Count,
            $"a 4-part upload with {retries} retries from 1 s: done in {elapsed.TotalSeconds:0.0} s (retried after {waits} s)");
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task WriteAsync_ServerDownLongerThanTheRetries_FailsCleanlyNamingStorageAndKey(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        // The part's three retries from 100 ms give up within about 2 s, long before the outage ends; the abort's retries are
        // spread over 30 s (10 s apart here), so its second attempt, after the outage, removes the parts.
        const int retries = 3;
        var outage = TimeSpan.FromSeconds(6);
        using var storage = NewStorage(server, proxy, bucket, maxRetries: retries);
        var size = (3L * PartSize) + 11;
        var source = new PatternStream(size) { TriggerAt = 3L * PartSize, OnReached = () => proxy.RefuseFor(outage) };
        var clock = Stopwatch.StartNew();

        var write = () => storage.WriteAsync("down/k", source);

        var error = (await write.Should().ThrowAsync<StorageException>()).Which;
        var elapsed = clock.Elapsed;
        error.IsTransient.Should().BeTrue(error.ToString());
        error.Message.Should().Contain(storage.Name).And.Contain("down/k").And.NotContain(S3TestServer.SecretKey);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(45));
        proxy.RefuseFor(TimeSpan.Zero);
        (await storage.GetInfoAsync("down/k")).Should().BeNull("a failed upload leaves nothing under its final key");
        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/server-down-past-retries/{serverName}", 1, proxy.Refused, problems.Count,
            $"a {outage.TotalSeconds:0} s outage, {retries} retries: failed cleanly in {elapsed.TotalSeconds:0.0} s (the abort waits out the outage); no object under the key; {PendingUploadsNote(server)}");
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task BackupCli_ConnectionsResetMidUpload_SucceedsAndEveryListedBackupVerifies(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        var random = ReliabilityTrials.NewRandom($"storage/cli-backup-reset/{serverName}");
        var failures = new List<string>();
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            proxy.CutAfter(bytes: random.NextInt64(16 * 1024, 2 * 1024 * 1024), connections: 1);
            var backup = await RunCliAsync(proxy, bucket, server, "backup");
            if (backup.ExitCode != 0)
            {
                failures.Add($"trial {trial}: backup exit {backup.ExitCode}: {backup.Output}");
            }
        }

        proxy.CutAfter(long.MaxValue / 2, 0);
        var list = await RunCliAsync(proxy, bucket, server, "backups", "list", "--strict");
        var verify = await RunCliAsync(proxy, bucket, server, "verify", "latest");
        using var storage = NewStorage(server, proxy, bucket);
        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/cli-backup-reset/{serverName}", ReliabilityTrials.Count, proxy.Refused, failures.Count + problems.Count,
            "dbresilience backup with one connection reset at a random byte; backups list --strict and verify latest");
        failures.Should().BeEmpty();
        proxy.Refused.Should().BeGreaterThan(0);
        list.ExitCode.Should().Be(0, list.Output);
        verify.ExitCode.Should().Be(0, verify.Output);
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task BackupCli_ServerDown_ExitsOneNamingTheStorageAndListsNoPartialBackup(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        (await RunCliAsync(proxy, bucket, server, "backup")).ExitCode.Should().Be(0);
        proxy.RefuseFor(TimeSpan.FromMinutes(2));
        var clock = Stopwatch.StartNew();

        var down = await RunCliAsync(proxy, bucket, server, "backup");

        var elapsed = clock.Elapsed;
        proxy.RefuseFor(TimeSpan.Zero);
        var list = await RunCliAsync(proxy, bucket, server, "backups", "list", "--strict", "--json");
        var again = await RunCliAsync(proxy, bucket, server, "backup");
        var verify = await RunCliAsync(proxy, bucket, server, "verify", "latest");
        down.ExitCode.Should().Be(1, down.Output);
        down.Output.Should().Contain($"s3://{bucket}/db").And.NotContain(S3TestServer.SecretKey);
        elapsed.Should().BeLessThan(TimeSpan.FromMinutes(1.5), "the retries give up before the outage ends");
        list.ExitCode.Should().Be(0, list.Output);
        list.Output.Split("\"id\"").Length.Should().Be(2, "only the backup taken before the outage is listed: " + list.Output);
        again.ExitCode.Should().Be(0, again.Output);
        verify.ExitCode.Should().Be(0, verify.Output);
        using var storage = NewStorage(server, proxy, bucket);
        var problems = await CheckBucketAsync(server, storage, bucket);
        ReliabilityTrials.Record($"storage/cli-backup-server-down/{serverName}", 1, proxy.Refused, problems.Count,
            $"exit 1 after {elapsed.TotalSeconds:0.0} s naming the storage; nothing partial listed; the next backup verifies");
        problems.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Servers))]
    public async Task VerifyCli_FirstConnectionsRefused_RetriesAndSucceeds(string serverName)
    {
        var server = ServerNamed(serverName);
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        (await RunCliAsync(proxy, bucket, server, "backup")).ExitCode.Should().Be(0);
        proxy.Cut(connections: 2);

        var verify = await RunCliAsync(proxy, bucket, server, "verify", "latest", "--restore-test");

        verify.ExitCode.Should().Be(0, verify.Output);
        proxy.Refused.Should().Be(2);
        ReliabilityTrials.Record($"storage/cli-verify-connections-refused/{serverName}", 1, proxy.Refused, 0,
            "verify latest --restore-test with its first two connections refused: retried, exit 0");
    }

    [Test]
    public async Task CheckBucket_PendingMultipartUploadOnFauxqs_IsReported()
    {
        // The bucket check must be able to fail: a multipart upload started and left pending is listed by fauxqs.
        var server = TestServers.Fauxqs;
        var bucket = await NewBucketAsync(server);
        await using var proxy = new FaultyTcpProxy(server.Port);
        using var storage = NewStorage(server, proxy, bucket);
        using var client = RawClient(server);
        var upload = await client.InitiateMultipartUploadAsync(bucket, "db/pending");

        var problems = await CheckBucketAsync(server, storage, bucket);

        problems.Should().ContainSingle().Which.Should().Contain("pending");
        await client.AbortMultipartUploadAsync(bucket, "db/pending", upload.UploadId);
    }

    internal static S3TestServer ServerNamed(string name) => name == "s3rver" ? TestServers.S3rver : TestServers.Fauxqs;

    private static S3StorageProvider NewStorage(
        S3TestServer server, FaultyTcpProxy proxy, string bucket, int maxRetries = 4, TimeSpan? retryDelay = null, RetryCountingLogger? logger = null) => new(new S3StorageOptions
    {
        BucketName = bucket,
        Prefix = "db",
        ServiceUrl = proxy.Endpoint,
        ForcePathStyle = true,
        CompatibilityMode = server.RequiresCompatibilityMode,
        Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
        PartSize = PartSize,
        MaxRetryAttempts = maxRetries,
        RetryDelay = retryDelay ?? TimeSpan.FromMilliseconds(100),
        RequestTimeout = RequestTimeout,
    }, logger);

    private static AmazonS3Client RawClient(S3TestServer server) => S3StorageConformanceTests.CreateClient(server);

    private static async Task<string> NewBucketAsync(S3TestServer server)
    {
        var bucket = "faults-" + Guid.NewGuid().ToString("N")[..10];
        using var client = RawClient(server);
        await client.PutBucketAsync(bucket);
        return bucket;
    }

    private static string PendingUploadsNote(S3TestServer server) => server.RequiresCompatibilityMode
        ? "s3rver has no ListMultipartUploads (pending uploads not checkable)"
        : "no multipart upload pending (fauxqs deletes the emptied bucket)";

    /// <summary>
    /// Returns what is wrong in the bucket: objects whose bytes do not match their recorded SHA-256, or with none recorded, and,
    /// on fauxqs, multipart uploads left pending. Neither server lists pending uploads (s3rver has no ListMultipartUploads,
    /// fauxqs answers it with an empty list), but fauxqs refuses to delete a bucket that has one: there the bucket is emptied
    /// and deleted, so call this last.
    /// </summary>
    private static async Task<List<string>> CheckBucketAsync(S3TestServer server, S3StorageProvider storage, string bucket)
    {
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

        if (!server.RequiresCompatibilityMode)
        {
            using var client = RawClient(server);
            var objects = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
            foreach (var item in objects.S3Objects ?? [])
            {
                await client.DeleteObjectAsync(bucket, item.Key);
            }

            try
            {
                await client.DeleteBucketAsync(bucket);
            }
            catch (AmazonS3Exception ex)
            {
                problems.Add($"bucket {bucket} cannot be deleted once empty, so a multipart upload was left pending ({ex.ErrorCode}: {ex.Message})");
            }
        }

        return problems;
    }

    private static async Task<string> ReadSha256Async(S3StorageProvider storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream)).ToLowerInvariant();
    }

    private Task<(int ExitCode, string Output)> RunCliAsync(FaultyTcpProxy proxy, string bucket, S3TestServer server, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["DBRESILIENCE_CONNECTION"] = _shop,
            ["DBRESILIENCE_STORAGE"] = $"s3://{bucket}/db?endpoint={proxy.Endpoint}&region=us-east-1&pathStyle=true&partSizeMiB=5"
                + (server.RequiresCompatibilityMode ? "&compatibility=true" : string.Empty),
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
        };
        return Task.Run(() => PitrCli.RunCli(environment, arguments));
    }
}
