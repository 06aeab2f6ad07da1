using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Cli;
using Inknowing.DbResilience.Cli.Commands;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.S3;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>
/// The <c>--json</c> contract of the CLI, whose metadata is source-generated so that the NativeAOT binary writes the same
/// JSON: camelCase names, enums as camelCase strings, never as numbers.
/// </summary>
public sealed class CliJsonTests
{
    // Reflection fills in an enum that no output reaches yet: the converter list alone decides string or number.
    private static readonly JsonSerializerOptions WithReflection = new(CliJson.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CliJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    private static IEnumerable<Type> PublicEnums()
        => new[] { typeof(BackupManifest).Assembly, typeof(IntegrityStatus).Assembly, typeof(S3StorageOptions).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsEnum)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    [TestCaseSource(nameof(PublicEnums))]
    public void Options_EveryPublicEnumOfThePackages_IsWrittenAsACamelCaseString(Type enumType)
    {
        var value = Enum.GetValues(enumType).GetValue(0)!;
        var expected = JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!);

        var json = JsonSerializer.Serialize(value, enumType, WithReflection);

        json.Should().Be($"\"{expected}\"", $"{enumType.Name} needs a JsonStringEnumConverter<{enumType.Name}> in CliJson.Options");
    }

    [Test]
    public void Write_BackupOutput_UsesCamelCaseNamesAndStringEnums()
    {
        var output = new BackupCommand.Output("20261122T020000Z-daily-b2c9", new string('a', 64), 1234, BackupStatus.Completed, ["file:///backups"], []);

        var json = JsonSerializer.Serialize(output, CliJson.Options);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal("id", "sha256", "sizeBytes", "status", "locations", "failedCopies");
        root.GetProperty("status").GetString().Should().Be("completed");
        root.GetProperty("sizeBytes").GetInt64().Should().Be(1234);
    }

    [Test]
    public void Write_IntegrityOutput_KeepsTheDictionaryKeysAndNonAsciiText()
    {
        var output = new IntegrityCommand.Output(
            "shop", true, IntegrityStatus.Warning, DateTimeOffset.UnixEpoch, 1.5, [new IntegrityCommand.Check("row_counts", IntegrityStatus.Ok, "2 tables", [], 0.1)],
            new Dictionary<string, long> { ["public.Bücher"] = 3 });

        var json = JsonSerializer.Serialize(output, CliJson.Options);

        json.Should().Contain("\"public.Bücher\": 3").And.Contain("\"status\": \"warning\"").And.Contain("\"durationSeconds\": 1.5");
    }
}
