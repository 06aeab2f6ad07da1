using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime;
using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Scheduling;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Secrets in the library's logs: failing backups, restores, a migration and storage writes run in-process through an
/// <c>AddDbResilience</c> container whose logging keeps every entry of every category at Trace (messages, structured values,
/// scopes, exceptions with their inner exceptions and data); neither the logs nor the exceptions the caller gets hold the
/// database password, the connection string, the S3 secret key, the Azure account key (nor its bytes in another base64
/// spelling) or a SAS signature.
/// </summary>
[Category("Reliability")]
public sealed class SecretLogTests : StorageDirectoryTests
{
    private string _password = null!;
    private string _connectionString = null!;
    private string _migrations = null!;

    [OneTimeSetUp]
    public async Task CreateRoleAsync()
    {
        (_password, _connectionString) = await CreatePasswordRoleAsync();
        _migrations = Path.Combine(NewStorage(), "migrations");
        Directory.CreateDirectory(_migrations);
        await File.WriteAllTextAsync(Path.Combine(_migrations, "V1__fails.sql"), "CREATE TABLE secret_notes (id int);\nSELECT * FROM no_such_table;\n");
    }

    /// <summary>Creates a login role with a random password and a database it owns, with the shop schema; returns both.</summary>
    internal static async Task<(string Password, string ConnectionString)> CreatePasswordRoleAsync()
    {
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        var role = "secret_" + Guid.NewGuid().ToString("N")[..8];
        var admin = TestServers.PostgreSqlConnectionString;
        await BackupTestDatabase.ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'");
        await BackupTestDatabase.ExecuteAsync(admin, $"CREATE DATABASE {role}_db OWNER {role}");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Username = role, Password = password, Database = role + "_db", Pooling = false }.ConnectionString;
        await BackupTestDatabase.ExecuteAsync(connectionString, BackupTestDatabase.ShopSchema);
        return (password, connectionString);
    }

    /// <summary>Returns a connection string to a port nothing listens on: the server down, with the password still in it.</summary>
    internal static string Unreachable(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = WebhookListener.FreePort(), Timeout = 3 }.ConnectionString;

    /// <summary>Returns the forms of each secret that must not appear: itself and, for a base64 key, its other spellings.</summary>
    internal static IReadOnlyList<string> Forms(params string[] secrets)
    {
        var forms = new List<string>();
        foreach (var secret in secrets)
        {
            forms.Add(secret);
            var bytes = new byte[secret.Length];
            if (Convert.TryFromBase64String(secret, bytes, out var length) && length >= 16)
            {
                var key = bytes.AsSpan(0, length);
                forms.Add(Convert.ToBase64String(key).Replace('+', '-').Replace('/', '_').TrimEnd('='));
                forms.Add(Uri.EscapeDataString(Convert.ToBase64String(key)));
                forms.Add(Convert.ToHexString(key));
            }
        }

        return forms.Distinct(StringComparer.Ordinal).ToList();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Logs_FailingOperationsWithSecrets_NeverHoldThem()
    {
        var s3Secret = "s3-secret-" + Guid.NewGuid().ToString("N");
        var azureKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var sasSignature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var storage = NewStorage();
        var s3rver = TestServers.S3rver;
        var azurite = TestServers.Azurite;
        var bucket = await CreateBucketAsync(s3rver);

        // A backup the restores below fail on, made first with the same password connection.
        // The capture sees the library's categories: the successful backup logs its start and end.
        var setUpLogs = new CapturingLoggerProvider();
        await using (var setUp = Build(setUpLogs, b => b.UsePostgreSql(_connectionString).UseFileSystemStorage(storage)))
        {
            await setUp.GetRequiredService<IBackupService>().CreateAsync();
        }

        setUpLogs.Entries.Should().Contain(e => e.StartsWith("Inknowing.DbResilience.", StringComparison.Ordinal) && e.Contains(" completed", StringComparison.Ordinal));

        var unreachable = Unreachable(_connectionString);
        var wrongDatabase = new NpgsqlConnectionStringBuilder(_connectionString) { Database = "secret_no_such_db" }.ConnectionString;
        var scenarios = new (string Name, Action<DbResilienceBuilder> Configure, Func<IServiceProvider, Task> Run)[]
        {
            ("backup: the server down", b => b.UsePostgreSql(unreachable).UseFileSystemStorage(NewStorage()),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("backup: no such database", b => b.UsePostgreSql(wrongDatabase).UseFileSystemStorage(NewStorage()),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("backup: pg_dump refused (no such table)", b => b.UsePostgreSql(_connectionString).UseFileSystemStorage(NewStorage()),
                s => s.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { Tables = ["shop.no_such_table"] })),
            ("restore: existing target without force", b => b.UsePostgreSql(_connectionString).UseFileSystemStorage(storage),
                s => s.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = "postgres" })),
            ("restore: data only into a database that does not exist", b => b.UsePostgreSql(_connectionString).UseFileSystemStorage(storage),
                s => s.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = "secret_data_" + Guid.NewGuid().ToString("N")[..8], DataOnly = true })),
            ("restore: the target server down", b => b.UsePostgreSql(_connectionString).UseFileSystemStorage(storage),
                s => s.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = "secret_copy", TargetConnectionString = unreachable })),
            ("table restore: the server down", b => b.UsePostgreSql(unreachable).UseFileSystemStorage(storage),
                s => s.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = TableName.Parse("shop.orders") })),
            ("migration: a statement error", b => b.UsePostgreSql(_connectionString).AddMigrations(m => m.FromDirectory(_migrations)),
                s => s.GetRequiredService<IMigrationRunner>().MigrateAsync()),
            ("migration: the server down", b => b.UsePostgreSql(unreachable).AddMigrations(m => m.FromDirectory(_migrations)),
                s => s.GetRequiredService<IMigrationRunner>().MigrateAsync()),
            ("S3: credentials refused (s3rver)", b => b.UsePostgreSql(_connectionString).UseS3Storage(o => S3(o, s3rver.Endpoint, s3Secret, s3rver.RequiresCompatibilityMode, bucket)),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("S3: the server down", b => b.UsePostgreSql(_connectionString).UseS3Storage(o => S3(o, new Uri($"http://127.0.0.1:{WebhookListener.FreePort()}"), s3Secret, true)),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("Azure: a wrong account key (azurite)", b => b.UsePostgreSql(_connectionString).UseAzureBlobStorage(o => Azure(o, azurite.BlobEndpoint, azureKey)),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("Azure: a connection string with a wrong key", b => b.UsePostgreSql(_connectionString).UseAzureBlobStorage(o =>
                {
                    Azure(o, azurite.BlobEndpoint, azureKey);
                    o.AccountName = o.AccountKey = null;
                    o.ServiceUri = null;
                    o.ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.AccountName};AccountKey={azureKey};BlobEndpoint={azurite.BlobEndpoint};";
                }),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
            ("Azure: a SAS token with a wrong signature", b => b.UsePostgreSql(_connectionString).UseAzureBlobStorage(o =>
                {
                    Azure(o, azurite.BlobEndpoint, azureKey);
                    o.AccountName = o.AccountKey = null;
                    o.ServiceUri = null;
                    o.ConnectionString = SasConnectionString(azurite.BlobEndpoint, sasSignature);
                }),
                s => s.GetRequiredService<IBackupService>().CreateAsync()),
        };

        var secrets = Forms(_password, _connectionString, unreachable, wrongDatabase, s3Secret, azureKey, sasSignature);
        var leaks = new List<string>();
        var entries = 0;
        foreach (var (name, configure, run) in scenarios)
        {
            var logs = new CapturingLoggerProvider();
            string failure;
            await using (var services = Build(logs, configure))
            {
                var thrown = await FluentActions.Awaiting(() => run(services)).Should().ThrowAsync<Exception>(name);
                failure = CapturingLoggerProvider.Describe(thrown.Which);
            }

            entries += logs.Entries.Count;
            TestContext.Progress.WriteLine($"secrets/logs: {name}: {logs.Entries.Count} log entries; {failure.Split('\n')[0]}");
            foreach (var text in logs.Entries.Prepend(failure))
            {
                leaks.AddRange(secrets.Where(s => text.Contains(s, StringComparison.Ordinal)).Select(s => $"{name}: {Mask(text, secrets)}"));
            }
        }

        entries.Should().BePositive("the failing runs log (otherwise the check of the logs proves nothing)");
        ReliabilityTrials.Record("secrets/logs", scenarios.Length, 0, leaks.Count, string.Create(
            CultureInfo.InvariantCulture,
            $"{scenarios.Length} failing runs in-process (backup, restore, table restore, migration, S3 and Azure Blob storage); {entries} log entries at Trace, every category, with state values, scopes and exceptions, and the exceptions thrown: no password, connection string, S3 secret key, Azure account key or SAS signature"));
        leaks.Should().BeEmpty("no log entry or exception may hold a secret");
    }

    /// <summary>Builds an application container with the library, its logging captured at Trace.</summary>
    internal static ServiceProvider Build(CapturingLoggerProvider logs, Action<DbResilienceBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddDbResilience(configure);
        return services.BuildServiceProvider();
    }

    /// <summary>Sets S3 options for a bucket on <paramref name="endpoint"/> with the test access key and the given secret key.</summary>
    /// <remarks>s3rver does not check SigV4 signatures: a key pair it does not know (a wrong access key id) is what it refuses.</remarks>
    internal static void S3(S3StorageOptions options, Uri endpoint, string secretKey, bool compatibility, string? bucket = null)
    {
        options.BucketName = bucket ?? "secrets-" + Guid.NewGuid().ToString("N")[..8];
        options.Region = "us-east-1";
        options.ServiceUrl = endpoint;
        options.ForcePathStyle = true;
        options.CompatibilityMode = compatibility;
        options.Credentials = new BasicAWSCredentials(secretKey == S3TestServer.SecretKey ? S3TestServer.AccessKey : "WRONGKEYID", secretKey);
        options.MaxRetryAttempts = 1;
        options.RetryDelay = TimeSpan.FromMilliseconds(50);
        options.RequestTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>Creates a bucket on <paramref name="server"/> with the credentials it accepts, so that a wrong key is what fails.</summary>
    internal static async Task<string> CreateBucketAsync(S3TestServer server)
    {
        var options = new S3StorageOptions();
        S3(options, server.Endpoint, S3TestServer.SecretKey, server.RequiresCompatibilityMode);
        using var provider = new S3StorageProvider(options);
        await provider.Client.PutBucketAsync(options.BucketName);
        return options.BucketName!;
    }

    /// <summary>Returns an Azure Storage connection string with a SAS whose signature is <paramref name="signature"/>.</summary>
    internal static string SasConnectionString(Uri blobEndpoint, string signature) =>
        $"BlobEndpoint={blobEndpoint};SharedAccessSignature=sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig={Uri.EscapeDataString(signature)}";

    /// <summary>Sets Azure Blob options for a container on <paramref name="serviceUri"/> with the given account key.</summary>
    internal static void Azure(Inknowing.DbResilience.Azure.AzureBlobStorageOptions options, Uri serviceUri, string accountKey)
    {
        options.ContainerName = "secrets-" + Guid.NewGuid().ToString("N")[..8];
        options.ServiceUri = serviceUri;
        options.AccountName = AzuriteServer.AccountName;
        options.AccountKey = accountKey;
        options.MaxRetryAttempts = 1;
        options.RetryDelay = TimeSpan.FromMilliseconds(50);
        options.RequestTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>Returns the text with each secret replaced by a marker, so that a failure report does not publish it either.</summary>
    internal static string Mask(string text, IEnumerable<string> secrets) =>
        secrets.OrderByDescending(s => s.Length).Aggregate(text, (t, s) => t.Replace(s, "<SECRET>", StringComparison.Ordinal));
}
