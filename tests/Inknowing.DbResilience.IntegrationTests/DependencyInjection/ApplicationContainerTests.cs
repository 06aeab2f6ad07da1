using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.DependencyInjection;

/// <summary>
/// The library as a guest in an application's container: the application's own data source (registered by
/// <c>AddSingleton(NpgsqlDataSource.Create(...))</c> or Npgsql's <c>AddNpgsqlDataSource</c>, before or after
/// <c>AddDbResilience</c>), logging and clock stay the application's, and backups dump the database given to UsePostgreSql.
/// </summary>
public sealed class ApplicationContainerTests : StorageDirectoryTests
{
    private static readonly DateTimeOffset s_applicationNow = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private string _applicationDatabase = null!;
    private string _backupTarget = null!;

    public enum Registration
    {
        AddSingleton,
        AddNpgsqlDataSource,
    }

    [OneTimeSetUp]
    public async Task CreateDatabasesAsync()
    {
        _applicationDatabase = await TestServers.CreateDatabaseAsync("app_main");
        await BackupTestDatabase.ExecuteAsync(_applicationDatabase, "CREATE TABLE app_rows (v text); INSERT INTO app_rows VALUES ('app-marker-1'), ('app-marker-2'), ('app-marker-3');");
        _backupTarget = await TestServers.CreateDatabaseAsync("app_backup_target");
        await BackupTestDatabase.ExecuteAsync(_backupTarget, "CREATE TABLE target_rows (v text); INSERT INTO target_rows SELECT 'target-marker-' || g FROM generate_series(1, 5) g;");
    }

    [TestCase(Registration.AddSingleton, true)]
    [TestCase(Registration.AddSingleton, false)]
    [TestCase(Registration.AddNpgsqlDataSource, true)]
    [TestCase(Registration.AddNpgsqlDataSource, false)]
    public async Task CreateAsync_ApplicationRegistersItsOwnDataSource_DumpsTheLibrarysDatabaseAndLeavesTheApplicationsServices(Registration registration, bool applicationFirst)
    {
        var storage = NewStorage();
        var logs = new CapturingLoggerProvider();
        var clock = new FixedClock(s_applicationNow);
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        services.AddSingleton<TimeProvider>(clock);
        if (applicationFirst)
        {
            AddApplicationDataSource(services, registration);
        }

        services.AddDbResilience(b => b
            .UsePostgreSql(_backupTarget)
            .UseFileSystemStorage(storage)
            .ConfigureBackups(o => o.Format = BackupFormat.Plain));
        if (!applicationFirst)
        {
            AddApplicationDataSource(services, registration);
        }

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        var result = await provider.GetRequiredService<IBackupService>().CreateAsync();

        var targetName = new NpgsqlConnectionStringBuilder(_backupTarget).Database;
        result.Manifest.Database.Should().Be(targetName);
        result.Manifest.Tables.Select(t => (t.Name, t.Rows)).Should().Contain(("target_rows", 5L)).And.NotContain(t => t.Name == "app_rows");
        var dumped = await File.ReadAllTextAsync(Path.Combine(storage, "backups", result.Manifest.Id, "data.sql"));
        dumped.Should().Contain("target-marker-5").And.NotContain("app-marker");
        result.Manifest.Id.Should().StartWith("20261121T020000Z", "the library uses the application's clock when it has one");

        (await TableCountAsync(_applicationDatabase, "backup_history")).Should().Be(0, "the catalog belongs in the database the library protects");
        (await BackupTestDatabase.ScalarAsync<long>(_backupTarget, "SELECT count(*) FROM dbresilience.backup_history")).Should().BeGreaterThan(0);

        var applicationSource = provider.GetRequiredService<NpgsqlDataSource>();
        await using (var command = applicationSource.CreateCommand("SELECT current_database() || ':' || (SELECT count(*) FROM app_rows)"))
        {
            (await command.ExecuteScalarAsync()).Should().Be(new NpgsqlConnectionStringBuilder(_applicationDatabase).Database + ":3");
        }

        if (registration == Registration.AddNpgsqlDataSource)
        {
            await using var scope = provider.CreateAsyncScope();
            var connection = scope.ServiceProvider.GetRequiredService<NpgsqlConnection>();
            connection.Database.Should().Be(new NpgsqlConnectionStringBuilder(_applicationDatabase).Database);
        }

        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(clock);
        provider.GetRequiredService<ILoggerFactory>().Should().BeOfType<LoggerFactory>();
        logs.Categories.Should().Contain(c => c.StartsWith("Inknowing.DbResilience", StringComparison.Ordinal), "the library logs through the application's logging");
    }

    private void AddApplicationDataSource(IServiceCollection services, Registration registration)
    {
        if (registration == Registration.AddSingleton)
        {
            services.AddSingleton(NpgsqlDataSource.Create(_applicationDatabase));
        }
        else
        {
            services.AddNpgsqlDataSource(_applicationDatabase);
        }
    }

    private static Task<long> TableCountAsync(string connectionString, string table)
        => BackupTestDatabase.ScalarAsync<long>(connectionString, $"SELECT count(*) FROM pg_catalog.pg_class WHERE relname = '{table}' AND relkind IN ('r', 'p')");

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _categories = new();

        public IReadOnlyCollection<string> Categories => _categories;

        public ILogger CreateLogger(string categoryName) => new CategoryLogger(categoryName, _categories);

        public void Dispose()
        {
        }

        private sealed class CategoryLogger(string category, System.Collections.Concurrent.ConcurrentQueue<string> categories) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => categories.Enqueue(category);
        }
    }
}
