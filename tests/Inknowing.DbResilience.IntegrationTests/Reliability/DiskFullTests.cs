using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// The archive file system full during a logical backup, a base backup and a WAL push. Where the platform allows (root, and
/// mount not refused), the storage is a small tmpfs the test mounts and the CLI runs as operators run it; where it does not
/// (the container legs), a storage wrapper reports ENOSPC after the space left, and the library runs the same operations.
/// Either way: the run fails naming "no space left"; nothing is listed as completed and no partial object sits under a final
/// name or as a temporary file; what was stored before still verifies; and once space is freed the next run succeeds.
/// </summary>
[Category("Reliability")]
public sealed class DiskFullTests : StorageDirectoryTests
{
    private const long Slack = 256 * 1024;
    private const string WrapperVariable = "DBRESILIENCE_TEST_DISK_FULL";
    private const string Wal = "000000010000000000000002";

    private string _connectionString = null!;
    private string _temporary = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _connectionString = await BackupTestDatabase.CreateShopAsync();
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
    }

    [TestCase("logical-backup")]
    [TestCase("base-backup")]
    [TestCase("wal-push")]
    public async Task Operation_ArchiveFileSystemFull_FailsNamingNoSpaceKeepsWhatWasStoredAndSucceedsOnceFreed(string operation)
    {
        var mount = NewStorage();
        Directory.CreateDirectory(mount);
        var tmpfs = await TryMountAsync(mount, "size=64m");
        try
        {
            var storage = Path.Combine(mount, "store");
            var wal = Path.Combine(_temporary, Wal);
            var bytes = new byte[16 * 1024 * 1024];
            Random.Shared.NextBytes(bytes);
            await File.WriteAllBytesAsync(wal, bytes);
            var bulk = "bulk_" + Guid.NewGuid().ToString("N")[..8];
            await BackupTestDatabase.ExecuteAsync(_connectionString, $"DROP TABLE IF EXISTS public.{bulk}");

            string failure;
            List<string> before;
            if (tmpfs)
            {
                (await RunAsync(storage, "backup")).ExitCode.Should().Be(0);
                before = Completed(storage);
                await BackupTestDatabase.ExecuteAsync(
                    _connectionString, $"CREATE TABLE public.{bulk} AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, 100000) g");

                // Shrink the file system to what it holds plus a little: the operation starts writing, then runs out.
                var used = new DriveInfo(mount).TotalSize - new DriveInfo(mount).AvailableFreeSpace;
                await MountAsync("-o", $"remount,size={(used + Slack) / 1024}k", mount);
                var failed = await RunOperationAsync(operation, storage, wal);
                failed.ExitCode.Should().Be(1, failed.Output + failed.Error);
                failure = failed.Error;
                failure.Should().Contain(new Uri(storage).AbsoluteUri.TrimEnd('/'), "the message names the storage");
                failure.Should().ContainEquivalentOf("free space", "the message says what to do");
                failure.Should().NotContain("   at ", "no stack trace");
            }
            else
            {
                await using var services = BuildServices(storage, out var full);
                await services.GetRequiredService<IBackupService>().CreateAsync();
                before = Completed(storage);
                await BackupTestDatabase.ExecuteAsync(
                    _connectionString, $"CREATE TABLE public.{bulk} AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, 100000) g");
                full.Remaining = Slack;
                var run = () => RunThroughLibraryAsync(services, operation, wal);
                failure = (await run.Should().ThrowAsync<Exception>()).Which.ToString();
            }

            failure.Should().ContainEquivalentOf("no space left", "the message names the cause");
            Completed(storage).Should().BeEquivalentTo(before, "no backup is listed as completed that did not complete");
            Directory.EnumerateFiles(storage, ".dbr-tmp-*", SearchOption.AllDirectories).Should().BeEmpty("the partial temporary file is removed");
            File.Exists(Path.Combine(storage, "wal", "00000001", Wal)).Should().BeFalse("no WAL file is stored under its final name that is partial");

            var verified = new List<string>();
            if (tmpfs)
            {
                foreach (var id in before)
                {
                    var verify = await RunAsync(storage, "verify", id);
                    verify.ExitCode.Should().Be(0, verify.Output + verify.Error);
                    verified.Add(id);
                }

                await MountAsync("-o", "remount,size=4g", mount);
                var next = await RunOperationAsync(operation, storage, wal);
                next.ExitCode.Should().Be(0, next.Output + next.Error);
                if (operation != "wal-push")
                {
                    (await RunAsync(storage, "verify", "latest")).ExitCode.Should().Be(0);
                }
            }
            else
            {
                await using var services = BuildServices(storage, out _);
                foreach (var id in before)
                {
                    (await services.GetRequiredService<IBackupService>().VerifyAsync(id)).Succeeded.Should().BeTrue();
                    verified.Add(id);
                }

                await RunThroughLibraryAsync(services, operation, wal);
            }

            Completed(storage).Should().HaveCount(before.Count + (operation == "wal-push" ? 0 : 1), "the run after space was freed completes");
            if (operation == "wal-push")
            {
                new FileInfo(Path.Combine(storage, "wal", "00000001", Wal)).Length.Should().Be(bytes.Length);
            }

            await BackupTestDatabase.ExecuteAsync(_connectionString, $"DROP TABLE public.{bulk}");
            ReliabilityTrials.Record(
                $"disk-full/{operation}",
                1,
                1,
                0,
                (tmpfs ? "a tmpfs the test mounted, shrunk to what it held plus 256 KiB" : "a storage wrapper reporting ENOSPC after 256 KiB (no tmpfs could be mounted here)")
                + $"; failed naming \"no space left\"; nothing partial stored; {verified.Count} earlier backup(s) verified; succeeded once space was freed");
        }
        finally
        {
            if (tmpfs)
            {
                await MountAsync("-u", mount);
            }
        }
    }

    /// <summary>Lists the logical and base backups of a file storage that have a manifest.</summary>
    private static List<string> Completed(string storage) =>
        [.. CrashTests.CompletedBackups(storage), .. Directory.Exists(Path.Combine(storage, "base"))
            ? Directory.EnumerateFiles(Path.Combine(storage, "base"), "manifest.json", SearchOption.AllDirectories).Select(f => Path.GetFileName(Path.GetDirectoryName(f)!))
            : []];

    private Task<(int ExitCode, string Output, string Error)> RunOperationAsync(string operation, string storage, string wal) => operation switch
    {
        "logical-backup" => RunAsync(storage, "backup"),
        "base-backup" => RunAsync(storage, "basebackup"),
        _ => RunAsync(storage, "wal-push", wal),
    };

    private static async Task RunThroughLibraryAsync(ServiceProvider services, string operation, string wal)
    {
        switch (operation)
        {
            case "logical-backup":
                await services.GetRequiredService<IBackupService>().CreateAsync();
                break;
            case "base-backup":
                await services.GetRequiredService<BaseBackupService>().CreateAsync();
                break;
            default:
                await services.GetRequiredService<WalArchive>().PushAsync(wal);
                break;
        }
    }

    private ServiceProvider BuildServices(string storage, out NoSpaceStorageProvider full)
    {
        var provider = new NoSpaceStorageProvider(new FileSystemStorageProvider(storage));
        full = provider;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbResilience(b => b
            .UsePostgreSql(_connectionString)
            .UseStorage(new StorageRegistration("UseStorage(NoSpaceStorageProvider)", _ => provider))
            .EnablePointInTimeRecovery());
        return services.BuildServiceProvider();
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string storage, params string[] arguments) =>
        ReliabilityCli.RunAsync(_connectionString, storage, _temporary, arguments);

    /// <summary>Mounts a tmpfs on <paramref name="directory"/>; false where the platform refuses (not root, or a container without the capability).</summary>
    private static async Task<bool> TryMountAsync(string directory, string options)
    {
        // DBRESILIENCE_TEST_DISK_FULL=wrapper runs the container legs' path where mount works too.
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || Environment.GetEnvironmentVariable(WrapperVariable) == "wrapper")
        {
            TestContext.Progress.WriteLine("disk-full: no tmpfs (not root, or " + WrapperVariable + "=wrapper); the storage wrapper reports ENOSPC instead");
            return false;
        }

        var (exitCode, error) = await RunMountAsync("mount", "-t", "tmpfs", "-o", options, "tmpfs", directory);
        TestContext.Progress.WriteLine(exitCode == 0 ? $"disk-full: tmpfs mounted on {directory}" : $"disk-full: mount refused ({error.Trim()}); the storage wrapper reports ENOSPC instead");
        return exitCode == 0;
    }

    private static async Task MountAsync(string first, params string[] more)
    {
        var (exitCode, error) = first == "-u" ? await RunMountAsync("umount", more) : await RunMountAsync("mount", [first, .. more]);
        exitCode.Should().Be(0, error);
    }

    private static async Task<(int ExitCode, string Error)> RunMountAsync(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await error);
    }
}
