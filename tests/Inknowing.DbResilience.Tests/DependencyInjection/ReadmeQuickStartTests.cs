using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.S3.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.Tests.DependencyInjection;

/// <summary>Keeps the README's quick start compiling and resolving: the configuration shown there is valid.</summary>
public sealed class ReadmeQuickStartTests
{
    [Test]
    public async Task AddDbResilience_ReadmeConfiguration_ValidatesAndResolvesEveryService()
    {
        var root = Directory.CreateTempSubdirectory("readme-").FullName;
        try
        {
            var migrations = Directory.CreateDirectory(Path.Combine(root, "migrations")).FullName;
            var backups = Path.Combine(root, "backups");
            var services = new ServiceCollection();

            services.AddDbResilience(b => b
                .UsePostgreSql("Host=127.0.0.1;Port=5432;Username=app;Database=shop")
                .AddMigrations(m => { m.FromDirectory(migrations); m.MigrateAtStartup = true; })
                .UseFileSystemStorage(backups)
                .AddS3Storage(s3 => { s3.BucketName = "shop-backups"; s3.Prefix = "prod"; s3.Region = "eu-west-1"; })
                .ConfigureBackups(o => o.Format = BackupFormat.Custom)
                .EnablePointInTimeRecovery());

            await using var provider = services.BuildServiceProvider();
            DbResilienceBuilder.Validate(provider);
            provider.GetRequiredService<IBackupService>().Should().NotBeNull();
            provider.GetRequiredService<IDrillRunner>().Should().NotBeNull();
            provider.GetRequiredService<IMigrationRunner>().Should().NotBeNull();
            provider.GetRequiredService<IRestoreService>().Should().NotBeNull();
            provider.GetRequiredService<IStorageSet>().Providers.Should().HaveCount(2);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
