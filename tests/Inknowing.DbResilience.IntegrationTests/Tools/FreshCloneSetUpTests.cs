using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// The set-up steps of the README's commands, from the files a fresh clone has and nothing else: <c>npm ci</c> of the test
/// servers (<c>./build.sh test</c> and <c>demo</c>) and of the benchmark peers (<c>./build.sh bench</c>). A lock file that
/// leaves out a platform's optional packages makes <c>npm ci</c> refuse at once; <c>./build.sh publish</c> is run by
/// <see cref="PublishedCliTests"/> and <c>./build.sh pack</c> by <see cref="PackagesTests"/>.
/// </summary>
[Category("Packaging")]
public sealed class FreshCloneSetUpTests
{
    [TestCase("eng/test-services", "x64", "node_modules/s3rver/bin/s3rver.js")]
    [TestCase("eng/bench-tools", "x64", "node_modules/@dbmate/linux-x64/bin/dbmate")]
    [TestCase("eng/bench-tools", "arm64", "node_modules/@dbmate/linux-arm64/bin/dbmate")]
    public async Task NpmCi_OnTheLockFileAlone_InstallsForTheArchitecture(string directory, string cpu, string expected)
    {
        var work = Directory.CreateTempSubdirectory("dbr-npm-ci-").FullName;
        try
        {
            foreach (var file in new[] { "package.json", "package-lock.json" })
            {
                File.Copy(Path.Combine(RepositoryPaths.Root, directory, file), Path.Combine(work, file));
            }

            var install = await ChildProcess.RunAsync(
                "npm", ["ci", "--no-audit", "--no-fund", "--os=linux", "--cpu=" + cpu], TimeSpan.FromMinutes(10), work);

            install.ExitCode.Should().Be(0, $"npm ci in {directory} for linux-{cpu} must accept the lock file: {install.Both}");
            File.Exists(Path.Combine(work, expected)).Should().BeTrue($"{expected} is what the README's command runs");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task NpmCi_BenchTools_InstallsADbmateThatRuns()
    {
        var work = Directory.CreateTempSubdirectory("dbr-npm-ci-").FullName;
        try
        {
            foreach (var file in new[] { "package.json", "package-lock.json" })
            {
                File.Copy(Path.Combine(RepositoryPaths.Root, "eng", "bench-tools", file), Path.Combine(work, file));
            }

            var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10), work);
            install.ExitCode.Should().Be(0, install.Both);
            var version = await ChildProcess.RunAsync(Path.Combine(work, "node_modules", ".bin", "dbmate"), ["--version"], TimeSpan.FromMinutes(1), work);

            version.ExitCode.Should().Be(0, version.Both);
            version.Output.Should().StartWith("dbmate version ");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
