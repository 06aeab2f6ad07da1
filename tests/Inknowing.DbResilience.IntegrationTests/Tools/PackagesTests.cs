using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// The packages as users install them. <c>./build.sh pack</c> runs on a copy of the sources (so the working tree's build
/// outputs are not touched) with a version suffix of its own, into a local folder. Then a console project outside the
/// solution references the three library packages, not the projects, through that folder as a package source (the
/// machine's NuGet source brings Npgsql, the AWS SDK and the rest), and runs a migration, a backup to file storage with
/// a copy in S3, a verification and a restore against the real PostgreSQL; and <c>dotnet tool install</c> installs the
/// <c>dbresilience</c> tool from the same folder.
/// </summary>
[Category("Packaging")]
public sealed class PackagesTests
{
    private static readonly string[] Libraries = ["Inknowing.DbResilience", "Inknowing.DbResilience.PostgreSql", "Inknowing.DbResilience.S3"];
    private static readonly TimeSpan SdkTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Gets the machine's NuGet packages folder: the app's dependencies are read from it, not downloaded again.</summary>
    private static string MachinePackages { get; } = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private string _work = null!;
    private string _packages = null!;
    private string _version = null!;
    private Dictionary<string, string> _nuget = null!;

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        _work = Directory.CreateTempSubdirectory("dbr-packages-").FullName;
        var sources = Path.Combine(_work, "sources");
        foreach (var file in new[] { "build.sh", "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config", "LICENSE" })
        {
            CopyFile(Path.Combine(RepositoryPaths.Root, file), Path.Combine(sources, file));
        }

        CopySources(Path.Combine(RepositoryPaths.Root, "src"), Path.Combine(sources, "src"));
        CopySources(Path.Combine(RepositoryPaths.Root, "samples"), Path.Combine(sources, "samples"));

        var prefix = Regex.Match(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")), "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;
        var suffix = "test." + Guid.NewGuid().ToString("N")[..8];
        _version = $"{prefix}-{suffix}";
        _packages = Path.Combine(_work, "packages");

        // Packages of this test's version land in a packages folder of its own; everything else comes from the machine's.
        _nuget = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_work, "nuget-cache") };
        var pack = await ChildProcess.RunAsync("bash", ["build.sh", "pack", _packages], SdkTimeout, sources, new Dictionary<string, string> { ["VERSION_SUFFIX"] = suffix });
        pack.ExitCode.Should().Be(0, "./build.sh pack must succeed: " + pack.Both);
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_work, recursive: true);

    [TestCase("Inknowing.DbResilience")]
    [TestCase("Inknowing.DbResilience.PostgreSql")]
    [TestCase("Inknowing.DbResilience.S3")]
    [TestCase("Inknowing.DbResilience.Azure")]
    public void Pack_Library_CarriesReadmeDocsSymbolsLicenceAndVersion(string id)
    {
        var package = Path.Combine(_packages, $"{id}.{_version}.nupkg");
        File.Exists(Path.Combine(_packages, $"{id}.{_version}.snupkg")).Should().BeTrue("the symbols package sits beside the package");
        using var archive = ZipFile.OpenRead(package);
        var entries = archive.Entries.Select(e => e.FullName).ToList();

        entries.Should().Contain("README.md");
        entries.Should().Contain([$"lib/net8.0/{id}.dll", $"lib/net8.0/{id}.xml", $"lib/net10.0/{id}.dll", $"lib/net10.0/{id}.xml"]);
        var nuspec = Nuspec(archive, id);
        nuspec.Element("license")!.Value.Should().Be("MIT");
        nuspec.Element("license")!.Attribute("type")!.Value.Should().Be("expression");
        nuspec.Element("readme")!.Value.Should().Be("README.md");
        nuspec.Element("version")!.Value.Should().Be(_version);
        using var readme = new StreamReader(archive.GetEntry("README.md")!.Open());
        readme.ReadToEnd().Should().StartWith($"# {id}\n", "each package has its own README, written for its users");
    }

    [Test]
    public void Pack_Cli_IsADotnetToolPackage()
    {
        using var archive = ZipFile.OpenRead(Path.Combine(_packages, $"Inknowing.DbResilience.Cli.{_version}.nupkg"));

        archive.Entries.Select(e => e.FullName).Should().Contain(["README.md", "tools/net10.0/any/dbresilience.dll", "tools/net10.0/any/DotnetToolSettings.xml"]);
        Nuspec(archive, "Inknowing.DbResilience.Cli").Element("packageTypes")!.Elements().Single().Attribute("name")!.Value.Should().Be("DotnetTool");
    }

    [Test]
    public async Task DotnetToolInstall_FromThePackageFolder_RunsHelp()
    {
        var tools = Path.Combine(_work, "tools");

        var install = await ChildProcess.RunAsync(
            "dotnet", ["tool", "install", "--tool-path", tools, "--add-source", _packages, "--version", _version, "Inknowing.DbResilience.Cli"], SdkTimeout, _work, _nuget);
        install.ExitCode.Should().Be(0, install.Both);
        var help = await ChildProcess.RunAsync(Path.Combine(tools, "dbresilience"), ["--help"], TimeSpan.FromMinutes(1));
        var version = await ChildProcess.RunAsync(Path.Combine(tools, "dbresilience"), ["--version"], TimeSpan.FromMinutes(1));

        help.ExitCode.Should().Be(0, help.Both);
        help.Output.Should().Contain("Usage:").And.Contain("backup").And.Contain("wal-push");
        version.Output.Should().StartWith(_version);
    }

    [Test]
    public async Task ConsoleApp_ReferencingThePackages_MigratesBacksUpVerifiesAndRestores()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("packages");
        var app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        var migrations = Directory.CreateDirectory(Path.Combine(app, "migrations")).FullName;
        await File.WriteAllTextAsync(Path.Combine(migrations, "V1__create_books.sql"), "CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL);");
        await File.WriteAllTextAsync(Path.Combine(migrations, "V2__add_books.sql"), "INSERT INTO books SELECT g, 'Book ' || g FROM generate_series(1, 1234) g;");
        var bucket = "packages-" + Guid.NewGuid().ToString("N")[..8];
        using (var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), new AmazonS3Config
        {
            ServiceURL = TestServers.Fauxqs.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        }))
        {
            await client.PutBucketAsync(bucket);
        }

        WriteConsoleProject(app);
        var target = "packages_restored_" + Guid.NewGuid().ToString("N")[..8];
        var run = await ChildProcess.RunAsync(
            "dotnet",
            ["run", "-c", "Release", "--", Path.Combine(_work, "backups"), migrations, target, TestServers.Fauxqs.Endpoint.ToString(), bucket],
            SdkTimeout,
            app,
            new Dictionary<string, string>(_nuget)
            {
                ["APP_CONNECTION"] = connectionString,
                ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
            });

        run.ExitCode.Should().Be(0, run.Both);
        run.Output.Should().Contain("migrated 2").And.Contain("status completed").And.Contain("locations 2").And.Contain("verified True").And.Contain($"restored {target}");
        File.ReadAllText(Path.Combine(app, "obj", "project.assets.json")).Should().Contain($"\"Inknowing.DbResilience.PostgreSql/{_version}\"", "the app uses the packages, not the projects");
        await using var restored = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = target }.ConnectionString);
        await restored.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM books", restored);
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(1234);
    }

    private void WriteConsoleProject(string app)
    {
        // Empty files stop MSBuild's search for a Directory.Build.props or central package versions above the app.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{_packages}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{MachinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var references = string.Concat(Libraries.Select(id => $"""    <PackageReference Include="{id}" Version="{_version}" />{"\n"}"""));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Inknowing.DbResilience.Backups;
            using Inknowing.DbResilience.DependencyInjection;
            using Inknowing.DbResilience.Migrations;
            using Inknowing.DbResilience.PostgreSql.DependencyInjection;
            using Inknowing.DbResilience.Restore;
            using Inknowing.DbResilience.S3.DependencyInjection;

            // dotnet run -- STORAGE_DIR MIGRATIONS_DIR TARGET_DATABASE S3_ENDPOINT BUCKET (connection string in APP_CONNECTION)
            await using var host = new DbResilienceBuilder()
                .UsePostgreSql(Environment.GetEnvironmentVariable("APP_CONNECTION")!)
                .AddMigrations(m => m.FromDirectory(args[1]))
                .UseFileSystemStorage(args[0])
                .AddS3Storage(o =>
                {
                    o.BucketName = args[4];
                    o.Prefix = "app";
                    o.ServiceUrl = new Uri(args[3]);
                    o.ForcePathStyle = true;
                    o.Region = "us-east-1";
                })
                .Build();

            var migrated = await host.GetRequiredService<IMigrationRunner>().MigrateAsync();
            Console.WriteLine($"migrated {migrated.Executions.Count}");
            var backup = await host.GetRequiredService<IBackupService>().CreateAsync();
            Console.WriteLine($"backup {backup.Manifest.Id} status {backup.Manifest.Status.ToString().ToLowerInvariant()} locations {backup.Manifest.Locations.Count}");
            var verified = await host.GetRequiredService<IBackupService>().VerifyAsync(backup.Manifest.Id);
            Console.WriteLine($"verified {verified.Succeeded} {string.Join("; ", verified.Problems)}");
            var restored = await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { BackupId = backup.Manifest.Id, TargetDatabase = args[2] });
            Console.WriteLine($"restored {restored.TargetDatabase}");
            """);
    }

    private static XElement Nuspec(ZipArchive archive, string id)
    {
        using var stream = archive.GetEntry($"{id}.nuspec")!.Open();
        var root = XDocument.Load(stream).Root!;
        var metadata = root.Element(root.Name.Namespace + "metadata")!;

        // Drop the nuspec namespace so that the assertions read plainly.
        foreach (var element in metadata.DescendantsAndSelf())
        {
            element.Name = element.Name.LocalName;
        }

        return metadata;
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (!parts.Any(p => p is "bin" or "obj"))
            {
                CopyFile(file, Path.Combine(to, relative));
            }
        }
    }
}
