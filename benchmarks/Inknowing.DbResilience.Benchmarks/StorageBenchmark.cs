using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// Uploads and downloads 1 GiB (DBRESILIENCE_BENCH_STORAGE_MB to change) from a non-seekable stream to the file-system storage
/// and to s3rver and fauxqs started here, against <c>cp</c> of the same bytes, and reports the peak memory of each scenario.
/// </summary>
/// <remarks>
/// Every scenario runs in a child process of its own (this program again, with DBRESILIENCE_BENCH_STORAGE_SCENARIO set), so
/// its peak resident memory (VmHWM) is its own and not the sum of everything run before it. The children inherit the
/// environment: <c>DOTNET_GCgen0size</c> and the other GC settings can be tried without a rebuild.
/// </remarks>
internal sealed class StorageBenchmark : IBenchmark
{
    private const string ScenarioVariable = "DBRESILIENCE_BENCH_STORAGE_SCENARIO";
    private const string Key = "backups/b1/data.dump";

    public string Name => "storage";

    public string Description => "1 GiB up and down through the storage providers from a non-seekable stream, against cp; peak memory per scenario";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(ScenarioVariable) is { Length: > 0 } scenario)
        {
            await RunScenarioAsync(scenario, cancellationToken);
            return;
        }

        var megabytes = IntSetting("DBRESILIENCE_BENCH_STORAGE_MB", 1024);
        var runs = IntSetting("DBRESILIENCE_BENCH_RUNS", 3);
        var s3Runs = IntSetting("DBRESILIENCE_BENCH_S3_RUNS", 1);
        long size = megabytes * 1024L * 1024;
        var work = Path.Combine(Path.GetTempPath(), "dbr-bench-storage-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {megabytes} MiB in {work}; {runs} interleaved run(s) for the file storage, {s3Runs} for each S3 server; load average {LoadAverage()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {ConcurrentGc()}, DOTNET_GCgen0size {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "(default)"}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  SHA-256 alone on this machine (1 MiB blocks, in memory, SHA-NI {(HasShaNi() ? "yes" : "no")}): {Sha256Throughput():F0} MiB/s"));

            var source = Path.Combine(work, "source.bin");
            await using (var file = File.Create(source))
            {
                await new GeneratedStream(size).CopyToAsync(file, cancellationToken);
            }

            var environment = new Dictionary<string, string>
            {
                ["DBRESILIENCE_BENCH_STORAGE_DIR"] = work,
                ["DBRESILIENCE_BENCH_STORAGE_SOURCE"] = source,
            };

            Console.WriteLine();
            Console.WriteLine("  fixed costs (a child process each):");
            var runtime = await ChildAsync("runtime", environment, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"runtime only (harness started, nothing run)",-52} peak {Mib(runtime.Peak),5:F0} MiB"));
            var fileProvider = await ChildAsync("file-ready", environment, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"file storage: one small object written and read",-52} peak {Mib(fileProvider.Peak),5:F0} MiB"));

            Console.WriteLine();
            Console.WriteLine("  file storage against cp + sync of the same bytes, interleaved:");
            var cpTimes = new List<TimeSpan>();
            var upTimes = new List<TimeSpan>();
            var downTimes = new List<TimeSpan>();
            long upPeak = 0, downPeak = 0;
            for (var run = 0; run < runs; run++)
            {
                cpTimes.Add(await CopyAsync(source, Path.Combine(work, "cp.bin")));
                var up = await ChildAsync("file-upload", environment, cancellationToken);
                upTimes.Add(up.Time);
                upPeak = Math.Max(upPeak, up.Peak);
                cpTimes.Add(await CopyAsync(source, Path.Combine(work, "cp.bin")));
                var down = await ChildAsync("file-download", environment, cancellationToken);
                downTimes.Add(down.Time);
                downPeak = Math.Max(downPeak, down.Peak);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    run {run + 1}: cp {cpTimes[^2].TotalSeconds:F2} s, upload {up.Time.TotalSeconds:F2} s, cp {cpTimes[^1].TotalSeconds:F2} s, download {down.Time.TotalSeconds:F2} s (load {LoadAverage()})"));
            }

            // DBRESILIENCE_BENCH_RUNS=0 skips the file storage (to measure the S3 servers alone); one cp then sets the baseline.
            if (runs == 0)
            {
                cpTimes.Add(await CopyAsync(source, Path.Combine(work, "cp.bin")));
            }

            var cp = Median(cpTimes);
            Row("cp + sync (median)", cp, size, null, null);
            if (runs > 0)
            {
                Row("file storage: upload (hash, temp file, fsync, rename)", Median(upTimes), size, cp, upPeak);
                Row("file storage: verified download to a file + fsync", Median(downTimes), size, cp, downPeak);
            }

            // The operator's process: the CLI's 'storage copy' of the same 1 GiB object, from a file storage into each S3 server.
            // DBRESILIENCE_BENCH_CLI=0 leaves it out.
            var cliBuilds = IntSetting("DBRESILIENCE_BENCH_CLI", 1) == 0 ? [] : await CliProcess.PublishAsync(work, cancellationToken);
            var cliSource = Path.Combine(work, "cli-source");
            if (cliBuilds.Count > 0)
            {
                await using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
                await new FileSystemStorageProvider(cliSource).WriteAsync(Key, file, cancellationToken);
            }

            foreach (var compatibility in new[] { true, false })
            {
                var server = compatibility ? "s3rver" : "fauxqs";

                // Both take the provider's default part size (8 MiB; fauxqs accepts request bodies of at most 11 MiB, which a
                // 1 GiB object's parts never exceed).
                var partSize = IntSetting("DBRESILIENCE_BENCH_S3_PART_MB", 0) is > 0 and var mb ? mb * 1024 * 1024 : new S3StorageOptions().PartSize;
                await using var process = compatibility ? await S3TestServer.StartS3rverAsync() : await S3TestServer.StartFauxqsAsync();
                using (var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), new AmazonS3Config
                {
                    ServiceURL = process.Endpoint.ToString(),
                    ForcePathStyle = true,
                    AuthenticationRegion = "us-east-1",
                    RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                }))
                {
                    await client.PutBucketAsync("bench", cancellationToken);
                }

                var s3Environment = new Dictionary<string, string>(environment)
                {
                    ["DBRESILIENCE_BENCH_S3_ENDPOINT"] = process.Endpoint.ToString(),
                    ["DBRESILIENCE_BENCH_S3_COMPATIBILITY"] = compatibility ? "true" : "false",
                    ["DBRESILIENCE_BENCH_S3_PART_SIZE"] = partSize.ToString(CultureInfo.InvariantCulture),
                };
                Console.WriteLine();
                var label = $"{server} ({(compatibility ? "compatibility" : "SDK defaults")}, {partSize / 1048576} MiB parts)";
                Console.WriteLine($"  {label}:");
                var ready = await ChildAsync("s3-ready", s3Environment, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"AWS SDK loaded: one small object written and read",-52} peak {Mib(ready.Peak),5:F0} MiB"));
                for (var run = 0; run < s3Runs; run++)
                {
                    var up = await ChildAsync("s3-upload", s3Environment, cancellationToken);
                    Row($"{server}: upload", up.Time, size, cp, up.Peak);
                    Detail(up);
                    var down = await ChildAsync("s3-download", s3Environment, cancellationToken);
                    Row($"{server}: verified download to a file + fsync", down.Time, size, cp, down.Peak);
                    Detail(down);
                }

                foreach (var build in cliBuilds)
                {
                    var uri = "s3://bench/cli-" + Guid.NewGuid().ToString("N")[..8] + "?endpoint=" + Uri.EscapeDataString(process.Endpoint.ToString())
                        + "&region=us-east-1&pathStyle=true" + (compatibility ? "&compatibility=true" : string.Empty)
                        + "&partSizeMiB=" + (partSize / 1048576).ToString(CultureInfo.InvariantCulture);
                    var run = await CliProcess.RunAsync(build, ["storage", "copy", "--from", "file://" + cliSource, "--to", uri], CliProcess.TestServerCredentials, cancellationToken);
                    Row($"{server}: {build.Name} storage copy from a file storage", run.Time, size, cp, run.PeakBytes);
                }
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  load average at the end: {LoadAverage()}"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunScenarioAsync(string scenario, CancellationToken cancellationToken)
    {
        var work = Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_STORAGE_DIR")!;
        var source = Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_STORAGE_SOURCE")!;
        var startRss = ResidentBytes("VmRSS:");
        TimeSpan elapsed = TimeSpan.Zero;
        IStorageProvider? storage = scenario switch
        {
            "runtime" => null,
            "file-ready" or "file-upload" or "file-download" => new FileSystemStorageProvider(Path.Combine(work, "store")),
            _ => new S3StorageProvider(new S3StorageOptions
            {
                BucketName = "bench",
                ServiceUrl = new Uri(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_S3_ENDPOINT")!),
                ForcePathStyle = true,
                CompatibilityMode = Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_S3_COMPATIBILITY") == "true",
                Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
                PartSize = int.Parse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_S3_PART_SIZE")!, CultureInfo.InvariantCulture),
            }),
        };
        long readyRss = startRss;
        try
        {
            if (storage is not null)
            {
                // Load the provider (and the AWS SDK) with one small object, so what follows is what the data costs.
                await storage.WriteAsync("ready/small", new MemoryStream(new byte[1024]), cancellationToken);
                await using (var small = await storage.OpenReadVerifiedAsync("ready/small", cancellationToken: cancellationToken))
                {
                    await small.CopyToAsync(Stream.Null, cancellationToken);
                }

                await storage.DeleteAsync("ready/small", cancellationToken);
                readyRss = ResidentBytes("VmRSS:");
            }

            var watch = Stopwatch.StartNew();
            if (scenario.EndsWith("-upload", StringComparison.Ordinal))
            {
                await using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
                await storage!.WriteAsync(Key, new NonSeekableStream(file), cancellationToken);
            }
            else if (scenario.EndsWith("-download", StringComparison.Ordinal))
            {
                var path = Path.Combine(work, "down.bin");
                await using (var stream = await storage!.OpenReadVerifiedAsync(Key, cancellationToken: cancellationToken))
                await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0))
                {
                    await stream.CopyToAsync(file, 1024 * 1024, cancellationToken);
                    file.Flush(flushToDisk: true);
                }

                File.Delete(path);
            }

            elapsed = watch.Elapsed;
        }
        finally
        {
            (storage as IDisposable)?.Dispose();
        }

        var gc = GC.GetGCMemoryInfo();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT seconds={elapsed.TotalSeconds:F3} peak={ResidentBytes("VmHWM:")} start={startRss} ready={readyRss} heap={gc.HeapSizeBytes} committed={gc.TotalCommittedBytes} gcs={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} allocated={GC.GetTotalAllocatedBytes()}"));
    }

    private static async Task<ChildResult> ChildAsync(string scenario, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("storage");
        start.Environment[ScenarioVariable] = scenario;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"the {scenario} scenario exited with {process.ExitCode}: {output}");
        }

        var values = line[7..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        return new ChildResult(
            TimeSpan.FromSeconds(double.Parse(values["seconds"], CultureInfo.InvariantCulture)),
            long.Parse(values["peak"], CultureInfo.InvariantCulture),
            long.Parse(values["start"], CultureInfo.InvariantCulture),
            long.Parse(values["ready"], CultureInfo.InvariantCulture),
            long.Parse(values["heap"], CultureInfo.InvariantCulture),
            long.Parse(values["committed"], CultureInfo.InvariantCulture),
            values["gcs"],
            long.Parse(values["allocated"], CultureInfo.InvariantCulture));
    }

    private static void Detail(ChildResult result) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {"",-52} resident at start {Mib(result.Start):F0} MiB, with the provider ready {Mib(result.Ready):F0} MiB; GC heap at the end {Mib(result.Heap):F0} MiB (committed {Mib(result.Committed):F0} MiB), GCs gen0/1/2 {result.Collections}, {Mib(result.Allocated):F0} MiB allocated"));

    private static async Task<TimeSpan> CopyAsync(string source, string destination)
    {
        var watch = Stopwatch.StartNew();
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("cp \"$1\" \"$2\" && sync \"$2\"");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(source);
        start.ArgumentList.Add(destination);
        using (var process = Process.Start(start)!)
        {
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"cp exited with {process.ExitCode}");
            }
        }

        var elapsed = watch.Elapsed;
        File.Delete(destination);
        return elapsed;
    }

    private static double Sha256Throughput()
    {
        var block = new byte[1024 * 1024];
        new Random(1).NextBytes(block);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var watch = Stopwatch.StartNew();
        var blocks = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(2) || blocks < 64)
        {
            hash.AppendData(block);
            blocks++;
        }

        return blocks / watch.Elapsed.TotalSeconds;
    }

    private static bool HasShaNi() => File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ').Contains("sha_ni"));

    private static string ConcurrentGc() => AppContext.GetData("System.GC.Concurrent") is bool concurrent ? (concurrent ? "on" : "off") : "on (default)";

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static int IntSetting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static TimeSpan Median(List<TimeSpan> times)
    {
        var sorted = times.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static long ResidentBytes(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static void Row(string name, TimeSpan time, long size, TimeSpan? baseline, long? peak)
    {
        var ratio = baseline is { } b && b > TimeSpan.Zero ? (time / b).ToString("0.00x", CultureInfo.InvariantCulture) : string.Empty;
        var memory = peak is { } p ? string.Create(CultureInfo.InvariantCulture, $"  peak {Mib(p),5:F0} MiB") : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-52} {time.TotalSeconds,8:F2} s {size / 1048576.0 / time.TotalSeconds,6:F0} MiB/s {ratio,7}{memory}"));
    }

    private sealed record ChildResult(TimeSpan Time, long Peak, long Start, long Ready, long Heap, long Committed, string Collections, long Allocated);

    /// <summary>Reads a file like a pipe: not seekable, at most 256 KiB per read (as from pg_dump's standard output).</summary>
    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        private const int MaxRead = 256 * 1024;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, MaxRead));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => inner.ReadAsync(buffer[..Math.Min(buffer.Length, MaxRead)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => inner.ReadAsync(buffer, offset, Math.Min(count, MaxRead), cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A source of pseudo-random bytes that costs almost nothing to produce (one random MiB, re-used with a counter).</summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private static readonly byte[] Block = CreateBlock();
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(Math.Min(buffer.Length, 256 * 1024), length - _position);
            if (count <= 0)
            {
                return 0;
            }

            var start = (int)(_position % Block.Length);
            var first = Math.Min(count, Block.Length - start);
            Block.AsSpan(start, first).CopyTo(buffer);
            Block.AsSpan(0, count - first).CopyTo(buffer[first..]);
            buffer[0] ^= (byte)(_position >> 20);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static byte[] CreateBlock()
        {
            var block = new byte[1024 * 1024];
            new Random(42).NextBytes(block);
            return block;
        }
    }
}
