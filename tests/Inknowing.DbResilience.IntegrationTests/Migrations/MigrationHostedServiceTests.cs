using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class MigrationHostedServiceTests
{
    [TestCase(true, 1)]
    [TestCase(false, 0)]
    public async Task StartAsync_MigrateAtStartup_AppliesOnlyWhenOptedIn(bool optIn, int expectedTables)
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        var services = new ServiceCollection();
        services.AddDbResilience(b => b
            .UsePostgreSql(context.ConnectionString)
            .AddMigrations(m =>
            {
                m.FromDirectory(context.Directory);
                m.MigrateAtStartup = optIn;
            }));
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        (await context.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'a'")).Should().Be(expectedTables);
    }
}
