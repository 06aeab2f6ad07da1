using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    public async Task Build_UsePostgreSqlWithoutStorage_BuildsForMigrationsButResolvingBackupsNamesTheStorageCalls()
    {
        await using var host = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Database=shop").Build();

        var resolve = () => host.GetRequiredService<IBackupService>();

        resolve.Should().Throw<DbResilienceConfigurationException>()
            .Which.Errors.Should().ContainSingle().Which.Should().StartWith("No storage is configured").And.Contain("UseFileSystemStorage(path)").And.Contain("UseS3Storage");
    }

    [Test]
    public async Task Build_UsePostgreSqlWithoutStorage_ResolvingRestoresAndDrillsNamesTheStorageCalls()
    {
        await using var host = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Database=shop").Build();

        var restore = () => host.GetRequiredService<IRestoreService>();
        var drill = () => host.GetRequiredService<IDrillRunner>();

        restore.Should().Throw<DbResilienceConfigurationException>().WithMessage("No storage is configured*UseFileSystemStorage(path)*");
        drill.Should().Throw<DbResilienceConfigurationException>().WithMessage("No storage is configured*UseFileSystemStorage(path)*");
    }

    [Test]
    public void Build_ConfigureBackupsWithoutStorage_ThrowsNamingTheCallThatNeedsItAndTheCallsThatFixIt()
    {
        var builder = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Database=shop").ConfigureBackups(o => o.Tier = "daily");

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>()
            .Which.Errors.Should().ContainSingle().Which.Should().Contain("ConfigureBackups(...) needs one").And.Contain("UseFileSystemStorage(path)");
    }

    [Test]
    public void Build_ConfigureBackupsWithoutDatabaseOrStorage_ReportsBothWithTheirCalls()
    {
        var builder = new DbResilienceBuilder().ConfigureBackups(o => o.Tier = "daily");

        var build = () => builder.Build();

        var errors = build.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().HaveCount(2);
        errors.Should().Contain(e => e.Contains("UsePostgreSql(connectionString)", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("No storage is configured", StringComparison.Ordinal));
    }

    [Test]
    public void Build_EnablePointInTimeRecoveryWithoutStorage_ThrowsNamingTheCall()
    {
        var builder = new DbResilienceBuilder().UsePostgreSql("Host=127.0.0.1;Database=shop").EnablePointInTimeRecovery();

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>().WithMessage("*EnablePointInTimeRecovery() needs one*UseFileSystemStorage(path)*");
    }

    [Test]
    public void Build_ConfigureDrillsWithoutDatabase_NamesUsePostgreSql()
    {
        var builder = new DbResilienceBuilder().ConfigureDrills(o => o.Jobs = 2);

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>().WithMessage("*call UsePostgreSql(connectionString)*");
    }

    [Test]
    public void AddDbResilience_InAHost_ForgottenStorageFailsAtStartUp()
    {
        var services = new ServiceCollection().AddDbResilience(b => b.UsePostgreSql("Host=127.0.0.1;Database=shop").ConfigureBackups(_ => { }));
        using var provider = services.BuildServiceProvider();

        var start = () => DbResilienceBuilder.Validate(provider);

        start.Should().Throw<DbResilienceConfigurationException>().WithMessage("No storage is configured*");
    }

    [TestCase("")]
    [TestCase("my schema")]
    [TestCase("x\"; DROP TABLE t; --")]
    public void Build_UseSchemaNotAnIdentifier_NamesUseSchema(string schema)
    {
        var builder = new DbResilienceBuilder().UseSchema(schema);

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>().Which.Errors.Should().ContainSingle()
            .Which.Should().Contain("UseSchema(\"dbresilience\")").And.Contain("--schema");
    }

    [Test]
    public async Task Build_UseSchema_IsTheOneSchemaEveryCapabilityReads()
    {
        await using var host = new DbResilienceBuilder().UseSchema("ops").UsePostgreSql("Host=127.0.0.1;Database=shop").Build();

        host.GetRequiredService<IOptions<DbResilienceOptions>>().Value.Schema.Should().Be("ops");
        new DbResilienceOptions().Schema.Should().Be("dbresilience");
    }

    [Test]
    public void AddDbResilience_UseTimeProvider_SetsTheLibrarysClockAndKeepsTheApplications()
    {
        var clock = new FixedClock();
        var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddDbResilience(b => b.UseTimeProvider(clock));

        using var provider = services.BuildServiceProvider();

        provider.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey).Should().BeSameAs(clock);
        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
    }

    [Test]
    public void AddDbResilience_BeforeAddLogging_KeepsTheApplicationsLoggingAndTheLibraryWritesToIt()
    {
        var sink = new ListLoggerProvider();
        var services = new ServiceCollection().AddDbResilience(_ => { }).AddLogging(l => l.AddProvider(sink));

        using var provider = services.BuildServiceProvider();
        Write(provider.GetRequiredService<ILogger<DbResilienceBuilderTests>>(), "from the application");
        Write(provider.GetRequiredKeyedService<ILogger<DbResilienceBuilderTests>>(DbResilienceBuilder.ServiceKey), "from the library");

        provider.GetRequiredService<ILoggerFactory>().Should().NotBeOfType<NullLoggerFactory>();
        sink.Messages.Should().Equal("from the application", "from the library");
    }

    [Test]
    public void AddDbResilience_UseLoggerFactory_LeavesTheApplicationsFactory()
    {
        var library = new ListLoggerProvider();
        using var libraryFactory = LoggerFactory.Create(l => l.AddProvider(library));
        var application = new ListLoggerProvider();
        var services = new ServiceCollection().AddLogging(l => l.AddProvider(application)).AddDbResilience(b => b.UseLoggerFactory(libraryFactory));

        using var provider = services.BuildServiceProvider();
        Write(provider.GetRequiredService<ILogger<DbResilienceBuilderTests>>(), "app");
        Write(provider.GetRequiredKeyedService<ILogger<DbResilienceBuilderTests>>(DbResilienceBuilder.ServiceKey), "lib");

        application.Messages.Should().Equal("app");
        library.Messages.Should().Equal("lib");
    }

    [Test]
    public void AddDbResilience_WithoutApplicationLoggingOrClock_RegistersNeitherUnkeyed()
    {
        var services = new ServiceCollection().AddDbResilience(_ => { });

        using var provider = services.BuildServiceProvider();

        provider.GetService<ILoggerFactory>().Should().BeNull();
        provider.GetService<TimeProvider>().Should().BeNull();
        provider.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey).Should().BeSameAs(TimeProvider.System);
        provider.GetRequiredKeyedService<ILogger<DbResilienceBuilderTests>>(DbResilienceBuilder.ServiceKey).IsEnabled(LogLevel.Critical).Should().BeFalse();
    }

    [Test]
    public void Build_Standalone_SuppliesTheDefaultClockAndSilentLogging()
    {
        using var host = new DbResilienceBuilder().Build();

        host.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
        host.GetRequiredService<ILoggerFactory>().Should().BeSameAs(NullLoggerFactory.Instance);
    }

    private static void Write(ILogger logger, string message) => logger.Log(LogLevel.Warning, default, message, null, (m, _) => m);

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(Messages);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => messages.Add(formatter(state, exception));
        }
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    }
}
