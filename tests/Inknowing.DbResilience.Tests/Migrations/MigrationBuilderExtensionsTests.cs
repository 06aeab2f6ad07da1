using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;

namespace Inknowing.DbResilience.Tests.Migrations;

public sealed class MigrationBuilderExtensionsTests
{
    [Test]
    public void Build_NoSourceAndBadTimeout_ReportsEveryProblemNamingTheFix()
    {
        var builder = new DbResilienceBuilder()
            .UsePostgreSql("Host=127.0.0.1;Database=app")
            .AddMigrations(m => m.LockTimeout = TimeSpan.Zero);

        var act = () => builder.Build();

        var error = act.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Errors.Should().HaveCount(2);
        error.Message.Should().Contain("AddMigrations(m => m.FromDirectory").And.Contain("LockTimeout");
    }

    [Test]
    public void Build_BatchSizeZero_NamesTheSettingAndTheFix()
    {
        var builder = new DbResilienceBuilder()
            .UsePostgreSql("Host=127.0.0.1;Database=app")
            .AddMigrations(m => m.FromDirectory("migrations").BatchSize = 0);

        var act = () => builder.Build();

        var error = act.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Errors.Should().ContainSingle().Which.Should().Contain("BatchSize is 0").And.Contain("use 1");
    }

    [Test]
    public void Build_WithDirectory_RegistersOneRunner()
    {
        using var host = new DbResilienceBuilder()
            .UsePostgreSql("Host=127.0.0.1;Database=app")
            .AddMigrations(m => m.FromDirectory("migrations"))
            .AddMigrations(m => m.FromCode(c => c.Add("9", "more", "SELECT 1")))
            .Build();

        host.GetRequiredService<IMigrationRunner>().Should().NotBeNull();
        host.GetRequiredService<Microsoft.Extensions.Options.IOptions<Inknowing.DbResilience.PostgreSql.Migrations.MigrationOptions>>().Value.Sources.Should().HaveCount(2);
    }
}
