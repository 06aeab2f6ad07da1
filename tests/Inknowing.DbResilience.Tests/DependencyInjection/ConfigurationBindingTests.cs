using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Azure;
using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Email;
using Inknowing.DbResilience.Email.DependencyInjection;
using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Tests.DependencyInjection;

public sealed partial class ConfigurationBindingTests
{
    // Where each options type is bound; keys the code adds by hand (folders) are listed in HandBoundKeys.
    private static readonly (string Prefix, Type Options)[] Sections =
    [
        ("DbResilience", typeof(DbResilienceOptions)),
        ("DbResilience:PostgreSql", typeof(PostgreSqlOptions)),
        ("DbResilience:Storage:S3", typeof(S3StorageOptions)),
        ("DbResilience:Storage:AzureBlob", typeof(AzureBlobStorageOptions)),
        ("DbResilience:Backups", typeof(BackupOptions)),
        ("DbResilience:Scheduler", typeof(SchedulerOptions)),
        ("DbResilience:Notifications", typeof(NotificationOptions)),
        ("DbResilience:Notifications:Slack", typeof(SlackNotifierOptions)),
        ("DbResilience:Notifications:Webhook", typeof(WebhookNotifierOptions)),
        ("DbResilience:Notifications:Email", typeof(EmailNotifierOptions)),
        ("DbResilience:HealthChecks", typeof(DbResilienceHealthOptions)),
        ("DbResilience:Migrations", typeof(MigrationOptions)),
        ("DbResilience:Restores", typeof(RestoreOptions)),
        ("DbResilience:Drills", typeof(DrillOptions)),
        ("DbResilience:IntegrityChecks", typeof(IntegrityCheckOptions)),
        ("DbResilience:PointInTime", typeof(PointInTimeOptions)),
    ];

    private static readonly string[] HandBoundKeys =
        ["DbResilience:Storage:FileSystem:Path", "DbResilience:Storage:FileSystem:Copies", "DbResilience:Migrations:Directories"];

    // Objects set in code only, which the binder cannot create.
    private static readonly string[] CodeOnlyKeys = ["DbResilience:Storage:S3:Credentials", "DbResilience:Storage:AzureBlob:Credential", "DbResilience:Migrations:Sources"];

    [Test]
    public void Build_ConfigurationWithSeveralMistakes_ReportsEveryErrorAtOnce()
    {
        var section = Section(new Dictionary<string, string?>
        {
            ["DbResilience:PostgreSql:ConnectionString"] = "Host=127.0.0.1;Username=app;Password=hunter2-secret",
            ["DbResilience:PostgreSql:Password"] = "hunter2-secret",
            ["DbResilience:Storage:FileSystem:Path"] = "/var/backups/app",
            ["DbResilience:Storage:Ftp:Host"] = "ftp.example.com",
            ["DbResilience:Backups:Jobs"] = "two",
            ["DbResilience:Backups:Retention:Daily"] = "7",
            ["DbResilience:Scheduler:TimeZne"] = "Europe/Berlin",
            ["DbResilience:Scheduler:Jobs:backup-daily:Timeout"] = "soon",
            ["DbResilience:Scheduler:MaxBackupAge"] = "-01:00:00",
            ["DbResilience:HealthChecks:BackupDegradedAfter"] = "12:00:00",
            ["DbResilience:HealthChecks:BackupUnhealthyAfter"] = "yesterday",
            ["DbResilience:Notifications:Slack:MinimumSeverity"] = "Loud",
        });
        var builder = new DbResilienceBuilder().BindConfiguration(section).UsePostgreSql(section);

        var act = () => builder.Build();

        var errors = act.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().Contain(e => e.StartsWith("DbResilience:PostgreSql:Password: not a known setting", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Storage:Ftp: not a known setting", StringComparison.Ordinal));
        errors.Should().Contain("DbResilience:Backups:Jobs: the value is not a valid whole number.");
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:TimeZne: not a known setting", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:Jobs:backup-daily:Timeout: the value is not a valid time span", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:HealthChecks:BackupUnhealthyAfter: the value is not a valid time span", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Slack:MinimumSeverity: the value is not a valid NotificationSeverity", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:MaxBackupAge is -01:00:00", StringComparison.Ordinal),
            "the keys of a section that bind are still validated when another key of it is in error");
        errors.Should().HaveCountGreaterThanOrEqualTo(8);
        string.Join("\n", errors).Should().NotContain("hunter2").And.NotContain("yesterday").And.NotContain("Loud");
    }

    [Test]
    public void AddDbResilience_ValidSection_BindsEveryPackagesOptions()
    {
        var section = Section(new Dictionary<string, string?>
        {
            ["DbResilience:Schema"] = "ops",
            ["DbResilience:PostgreSql:ConnectionString"] = "Host=127.0.0.1;Username=app",
            ["DbResilience:Storage:S3:BucketName"] = "backups",
            ["DbResilience:Storage:S3:ServiceUrl"] = "http://127.0.0.1:9000",
            ["DbResilience:Backups:Retention:Daily"] = "3",
            ["DbResilience:Backups:Tables:0"] = "public.orders",
            ["DbResilience:Scheduler:TimeZone"] = "Europe/Berlin",
            ["DbResilience:Scheduler:Jobs:backup-daily:Cron"] = "30 1 * * *",
            ["DbResilience:Scheduler:Jobs:verify:Enabled"] = "false",
            ["DbResilience:HealthChecks:Tiers:weekly:DegradedAfter"] = "9.00:00:00",
            ["DbResilience:Notifications:Webhook:Url"] = "https://hooks.example.com/x",
            ["DbResilience:Notifications:Webhook:Operations:0"] = "Backup",
            ["DbResilience:Migrations:MigrateAtStartup"] = "true",
            ["DbResilience:Migrations:Directories:0"] = "/srv/app/migrations",
            ["DbResilience:PointInTime:SlotName"] = "app_slot",
        });
        var services = new ServiceCollection();

        services.AddDbResilience(section, b => b.UsePostgreSql(section).UseS3Storage(section, asCopy: true));

        using var provider = services.BuildServiceProvider();
        Problems(services).Should().BeEmpty();
        provider.GetRequiredService<IOptions<DbResilienceOptions>>().Value.Schema.Should().Be("ops");
        provider.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.ConnectionString.Should().Be("Host=127.0.0.1;Username=app");
        var backups = provider.GetRequiredService<IOptions<BackupOptions>>().Value;
        backups.Retention.Daily.Should().Be(3);
        backups.Tables.Should().Equal("public.orders");
        var scheduler = provider.GetRequiredService<IOptions<SchedulerOptions>>().Value;
        scheduler.TimeZone.Should().Be("Europe/Berlin");
        scheduler.Jobs[ScheduledJobNames.DailyBackup].Cron.Should().Be("30 1 * * *");
        scheduler.Jobs[ScheduledJobNames.DailyBackup].MissedRuns.Should().Be(MissedRunPolicy.RunOnce, "a key not given keeps its default");
        scheduler.Jobs[ScheduledJobNames.Verification].Enabled.Should().BeFalse();
        provider.GetRequiredService<IOptions<DbResilienceHealthOptions>>().Value.Tiers["weekly"].DegradedAfter.Should().Be(TimeSpan.FromDays(9));
        var migrations = provider.GetRequiredService<IOptions<MigrationOptions>>().Value;
        migrations.MigrateAtStartup.Should().BeTrue();
        migrations.Sources.Should().ContainSingle();
        provider.GetRequiredService<IOptions<PointInTimeOptions>>().Value.SlotName.Should().Be("app_slot");
    }

    [Test]
    public void ConfigurationDoc_EveryBindableProperty_IsDocumented()
    {
        var documented = DocumentedKeys();
        var bindable = Sections.SelectMany(s => Keys(s.Prefix, s.Options)).Concat(HandBoundKeys).Except(CodeOnlyKeys).ToList();

        bindable.Except(documented).Should().BeEmpty("docs/configuration.md lists every key the code binds");
        documented.Except(bindable).Should().BeEmpty("every key docs/configuration.md lists is bound by the code");
    }

    [Test]
    public void ConfigurationDoc_EveryDocumentedKey_IsKnownToTheBinder()
    {
        foreach (var key in DocumentedKeys())
        {
            var concrete = key.Replace("{name}", "backup-daily", StringComparison.Ordinal).Replace("{tier}", "weekly", StringComparison.Ordinal)
                .Replace("{header}", "Authorization", StringComparison.Ordinal);
            var services = new ServiceCollection();
            var section = Section(new Dictionary<string, string?> { [concrete] = "1" });

            services.AddDbResilience(section, b => b.UsePostgreSql(section).UseS3Storage(section).UseAzureBlobStorage(section, asCopy: true).AddEmailNotifications(section));

            Problems(services).Should().NotContain(p => p.Contains("not a known setting", StringComparison.Ordinal), key);
        }
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("DbResilience");

    private static IReadOnlyList<string> Problems(IServiceCollection services)
        => ((ConfigurationProblems)services.Single(d => d.ServiceType == typeof(ConfigurationProblems)).ImplementationInstance!).Errors;

    private static List<string> DocumentedKeys()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));
        return DocumentedKey().Matches(doc).Select(m => m.Groups[1].Value).ToList();
    }

    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + ":" + property.Name;
            var t = property.PropertyType;
            if (IsScalar(t))
            {
                if (property.CanWrite)
                {
                    yield return key;
                }
            }
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IDictionary<,>))
            {
                var value = t.GetGenericArguments()[1];
                var placeholder = value == typeof(string) ? "{header}" : property.Name == "Tiers" ? "{tier}" : "{name}";
                if (IsScalar(value))
                {
                    yield return key + ":" + placeholder;
                }
                else
                {
                    foreach (var inner in Keys(key + ":" + placeholder, value))
                    {
                        yield return inner;
                    }
                }
            }
            else if (typeof(IEnumerable).IsAssignableFrom(t) || !t.IsClass || t.Namespace?.StartsWith("Inknowing.", StringComparison.Ordinal) != true)
            {
                yield return key;
            }
            else
            {
                foreach (var inner in Keys(key, t))
                {
                    yield return inner;
                }
            }
        }
    }

    private static bool IsScalar(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(Uri);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "docs", "configuration.md")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("docs/configuration.md was not found above the test directory.");
    }

    [GeneratedRegex(@"^\| `(DbResilience[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();
}
