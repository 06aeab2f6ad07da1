using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Tests.DependencyInjection;

public sealed class DbResilienceBuilderTests
{
    [Test]
    public void Build_MissingConnectionStringAndBadToolsDirectory_ReportsBothProblemsAtOnce()
    {
        var builder = new DbResilienceBuilder().UsePostgreSql(o =>
        {
            o.ConnectionString = " ";
            o.ToolsDirectory = "/no/such/directory";
        });

        var build = () => builder.Build();

        var error = build.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Errors.Should().HaveCount(2);
        error.Errors[0].Should().Contain("UsePostgreSql(connectionString)");
        error.Errors[1].Should().Contain("/no/such/directory");
        error.Message.Should().Contain("2 problems");
    }

    [Test]
    public void Build_BadConnectionString_DoesNotEchoTheSecret()
    {
        var builder = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Password=s3cret-value;Bogus Keyword=1");

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>()
            .Which.Message.Should().Contain("not valid").And.NotContain("s3cret-value");
    }

    [Test]
    public async Task Build_ValidConfiguration_ResolvesOptionsAndClock()
    {
        await using var host = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Database=app").Build();

        host.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.ConnectionString.Should().Be("Host=127.0.0.1;Database=app");
        host.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
    }

    [Test]
    public void Build_CalledTwice_Throws()
    {
        var builder = new DbResilienceBuilder();
        using var host = builder.Build();

        var again = () => builder.Build();

        again.Should().Throw<InvalidOperationException>().WithMessage("*already called*");
    }

    [Test]
    public void Build_OnApplicationServices_ThrowsAndSaysToBuildTheHost()
    {
        var builder = new ServiceCollection().AddDbResilience();

        var build = () => builder.Build();

        build.Should().Throw<InvalidOperationException>().WithMessage("*build the application's host*");
    }

    [Test]
    public void AddDbResilience_UseTimeProvider_ReplacesTheClock()
    {
        var clock = new FixedClock();
        var services = new ServiceCollection().AddDbResilience(b => b.UseTimeProvider(clock));

        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(clock);
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    }
}
