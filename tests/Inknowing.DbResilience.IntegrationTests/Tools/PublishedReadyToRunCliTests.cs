using System.Reflection.PortableExecutable;
using System.Text.Json;
using Inknowing.DbResilience.IntegrationTests.PointInTime;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// The framework-dependent ReadyToRun form of the CLI (<c>./build.sh publish --readytorun</c>, which is
/// <c>dotnet publish -r linux-x64 --self-contained false</c>): for machines that have the .NET 10 runtime and cannot
/// build NativeAOT.
/// </summary>
[Category("Packaging")]
public sealed class PublishedReadyToRunCliTests : PublishedCliFixture
{
    /// <inheritdoc/>
    protected override string[] PublishOptions => ["--readytorun"];

    /// <inheritdoc/>
    protected override (string FileName, string[] Prefix) Command => (PitrCli.DotnetPath, [Path.Combine(Published, "dbresilience.dll")]);

    [TestCase("dbresilience.dll")]
    [TestCase("Inknowing.DbResilience.dll")]
    [TestCase("Inknowing.DbResilience.S3.dll")]
    [TestCase("AWSSDK.Core.dll")]
    [TestCase("Npgsql.dll")]
    public void Publish_CompilesEveryAssemblyAheadOfTime(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(Path.Combine(Published, assembly)));

        reader.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size.Should().BeGreaterThan(0, $"{assembly} must carry ReadyToRun code");
    }

    [Test]
    public void Publish_CarriesTheRuntimeSettings()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Published, "dbresilience.runtimeconfig.json")));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64().Should().Be(2 * 1024 * 1024);
        properties.GetProperty("System.GC.Concurrent").GetBoolean().Should().BeFalse();
        properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().Should().BeFalse();
        properties.GetProperty("System.Runtime.TieredCompilation.CallCountThreshold").GetInt32().Should().Be(65535);
        properties.GetProperty("System.Globalization.Invariant").GetBoolean().Should().BeTrue();
    }
}
