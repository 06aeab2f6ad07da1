using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// Uploads and downloads 1 GB (DBRESILIENCE_BENCH_STORAGE_MB to change) from a non-seekable stream to the file-system storage
/// and to s3rver and fauxqs started here, against <c>cp</c> of the same bytes, and reports the process's peak memory.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    // fauxqs accepts request bodies of up to 11 MiB, so the parts are 8 MiB here (the provider's default is 16 MiB).
    private const int PartSize = 8 * 1024 * 1024;

    public string Name => "storage";

    public string Description => "1 GB up and down through the storage providers from a non-seekable stream, against cp; peak memory";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("DBRESILIENCE_BENCH_STORAGE_MB"), CultureInfo.InvariantCulture, out var mb) ? mb : 1024;
        long size = megabytes * 1024L * 1024;
        var work = Path.Combine(Path.GetTempPath(), "dbr-bench-storage-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {megabytes} MiB, file storage in {work}"));
            var source = Path.Combine(work, "source.bin");
            await using (var file = File.Create(source))
            {
                await new GeneratedStream(size).CopyToAsync(file, cancellationToken);
            }

            var cp = await TimeAsync(() => RunAsync("sh", "-c", $"cp '{source}' '{work}/cp.bin' && sync '{work}/cp.bin'"));
            Row("cp + sync (baseline)", cp, size, null);
            var storage = new FileSystemStorageProvider(Path.Combine(work, "store"));
            var upload = await TimeAsync(() => storage.WriteAsync("backups/b1/data.dump", new GeneratedStream(size), cancellationToken));
            Row("file storage: upload from a pipe-like stream", upload, size, cp);
            var download = await TimeAsync(async () => await DownloadAsync(storage, Path.Combine(work, "down.bin"), cancellationToken));
            Row("file storage: download to a file (+ fsync)", download, size, cp);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak memory after file storage: {Measure.PeakResidentBytes() / 1048576.0:F0} MiB"));
            File.Delete(Path.Combine(work, "cp.bin"));
            File.Delete(Path.Combine(work, "down.bin"));
            await storage.DeleteAsync("backups/b1/data.dump", cancellationToken);

            foreach (var (server, compatibility) in new[] { ("s3rver", true), ("fauxqs", false) })
            {
                await using var process = server == "s3rver" ? await S3TestServer.StartS3rverAsync() : await S3TestServer.StartFauxqsAsync();
                using var s3 = new S3StorageProvider(new S3StorageOptions
                {
                    BucketName = "bench",
                    ServiceUrl = process.Endpoint,
                    ForcePathStyle = true,
                    CompatibilityMode = compatibility,
                    Credentials = new BasicAWSCredentials("S3RVER", "S3RVER"),
                    PartSize = PartSize,
                });
                using (var client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
                {
                    ServiceURL = process.Endpoint.ToString(),
                    ForcePathStyle = true,
                    AuthenticationRegion = "us-east-1",
                    RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                }))
                {
                    await client.PutBucketAsync("bench", cancellationToken);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  resident memory with the S3 client ready: {CurrentResidentBytes() / 1048576.0:F0} MiB (peak so far {Measure.PeakResidentBytes() / 1048576.0:F0} MiB)"));
                var s3Upload = await TimeAsync(() => s3.WriteAsync("backups/b1/data.dump", new GeneratedStream(size), cancellationToken));
                Row($"{server} ({(compatibility ? "compatibility" : "defaults")}): upload, 8 MiB parts", s3Upload, size, cp);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak memory after the upload: {Measure.PeakResidentBytes() / 1048576.0:F0} MiB"));
                var s3Download = await TimeAsync(async () => await DownloadAsync(s3, Path.Combine(work, "down.bin"), cancellationToken));
                Row($"{server}: download to a file (+ fsync)", s3Download, size, cp);
                File.Delete(Path.Combine(work, "down.bin"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak memory after {server}: {Measure.PeakResidentBytes() / 1048576.0:F0} MiB"));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static long CurrentResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task DownloadAsync(IStorageProvider storage, string path, CancellationToken cancellationToken)
    {
        await using var stream = await storage.OpenReadVerifiedAsync("backups/b1/data.dump", cancellationToken: cancellationToken);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        await stream.CopyToAsync(file, 1024 * 1024, cancellationToken);
        file.Flush(flushToDisk: true);
    }

    private static void Row(string name, TimeSpan time, long size, TimeSpan? baseline)
    {
        Measure.Row(name, time, baseline);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"",-48} {size / 1048576.0 / time.TotalSeconds,9:F0} MiB/s"));
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode}");
        }
    }

    /// <summary>A non-seekable source of pseudo-random bytes that costs almost nothing to produce (one random MiB, re-used with a counter).</summary>
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
