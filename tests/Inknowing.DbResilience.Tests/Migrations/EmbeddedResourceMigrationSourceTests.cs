using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Migrations;

public sealed class EmbeddedResourceMigrationSourceTests
{
    [Test]
    public async Task LoadAsync_Latin1AndEmptyResources_RefusedNamingEachResource()
    {
        var load = () => new EmbeddedResourceMigrationSource(typeof(EmbeddedResourceMigrationSourceTests).Assembly, "Tests.Unreadable.").LoadAsync();

        var message = (await load.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message;
        message.Should().Contain("Tests.Unreadable.V1__latin1.sql").And.Contain("not UTF-8").And.Contain("0xE9")
            .And.Contain("Tests.Unreadable.V2__empty.sql").And.Contain("is empty")
            .And.NotContain("V3__ok.sql");
    }

    [Test]
    public async Task LoadAsync_Utf8Resources_Loaded()
    {
        var scripts = await new EmbeddedResourceMigrationSource(typeof(EmbeddedResourceMigrationSourceTests).Assembly, "Tests.Scripts.").LoadAsync();

        scripts.Should().HaveCount(3).And.OnlyContain(s => !string.IsNullOrWhiteSpace(s.Sql));
    }
}
