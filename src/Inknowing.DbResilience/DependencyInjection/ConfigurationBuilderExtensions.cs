using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.Configuration;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Binds the core options from configuration: the <c>DbResilience</c> section of appsettings and environment variables.</summary>
public static class ConfigurationBuilderExtensions
{
    /// <summary>The top-level keys and sections of the <c>DbResilience</c> section, across the packages.</summary>
    private static readonly string[] KnownSections =
    [
        "Schema", "PostgreSql", "Storage", "Backups", "Scheduler", "Notifications", "HealthChecks",
        "Migrations", "Restores", "Drills", "IntegrityChecks", "PointInTime",
    ];

    /// <summary>
    /// Binds the core settings from <paramref name="configuration"/> (usually <c>configuration.GetSection("DbResilience")</c>):
    /// <c>Schema</c>, <c>Storage:FileSystem</c>, <c>Backups</c>, <c>Scheduler</c>, <c>Notifications</c> (with <c>Slack</c>,
    /// <c>Webhook</c> and <c>Email</c>) and <c>HealthChecks</c>. A present section switches its feature on. The PostgreSQL and
    /// S3 packages bind their own sections (<c>UsePostgreSql(configuration)</c>, <c>UseS3Storage(configuration)</c>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The <c>DbResilience</c> section.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// Every unknown key and every value of the wrong type is reported when the configuration is validated (at host start, or
    /// by <see cref="DbResilienceBuilder.Build"/>), together with every other problem, in one
    /// <see cref="DbResilienceConfigurationException"/>; values are never echoed. docs/configuration.md lists every key.
    /// </remarks>
    public static DbResilienceBuilder BindConfiguration(this DbResilienceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.CheckChildren(configuration, KnownSections);
        if (configuration["Schema"] is { } schema)
        {
            builder.UseSchema(schema);
        }

        var storage = configuration.GetSection("Storage");
        builder.CheckChildren(storage, "FileSystem", "S3", "AzureBlob");
        var fileSystem = storage.GetSection("FileSystem");
        builder.CheckChildren(fileSystem, "Path", "Copies");
        if (fileSystem["Path"] is { Length: > 0 } path)
        {
            builder.UseFileSystemStorage(path);
        }

        foreach (var copy in fileSystem.GetSection("Copies").GetChildren())
        {
            if (copy.Value is { Length: > 0 } copyPath)
            {
                builder.AddFileSystemStorage(copyPath);
            }
        }

        BindBackups(builder, configuration.GetSection("Backups"));
        BindScheduler(builder, configuration.GetSection("Scheduler"));
        BindNotifications(builder, configuration.GetSection("Notifications"));
        BindHealthChecks(builder, configuration.GetSection("HealthChecks"));
        return builder;
    }

    private static void BindBackups(DbResilienceBuilder builder, IConfigurationSection section)
    {
        if (section.Exists())
        {
            var bound = builder.CheckSection<BackupOptions>(section, (c, o, b) => c.Bind(o, b));
            builder.ConfigureBackups(o => bound.Bind(o));
        }
    }

    private static void BindScheduler(DbResilienceBuilder builder, IConfigurationSection section)
    {
        if (section.Exists())
        {
            var bound = builder.CheckSection<SchedulerOptions>(section, (c, o, b) => c.Bind(o, b));
            builder.EnableScheduler(o => bound.Bind(o));
        }
    }

    private static void BindHealthChecks(DbResilienceBuilder builder, IConfigurationSection section)
    {
        if (section.Exists())
        {
            var bound = builder.CheckSection<DbResilienceHealthOptions>(section, (c, o, b) => c.Bind(o, b));
            builder.EnableHealthChecks(o => bound.Bind(o));
        }
    }

    private static void BindNotifications(DbResilienceBuilder builder, IConfigurationSection section)
    {
        if (!section.Exists())
        {
            return;
        }

        var notifications = builder.CheckSection<NotificationOptions>(section, (c, o, b) => c.Bind(o, b), "Slack", "Webhook", "Email");
        builder.ConfigureNotifications(o => notifications.Bind(o));

        var slack = section.GetSection("Slack");
        if (slack.Exists())
        {
            var bound = builder.CheckSection<SlackNotifierOptions>(slack, (c, o, b) => c.Bind(o, b));
            builder.AddSlackNotifications(o => bound.Bind(o));
        }

        var webhook = section.GetSection("Webhook");
        if (webhook.Exists())
        {
            var bound = builder.CheckSection<WebhookNotifierOptions>(webhook, (c, o, b) => c.Bind(o, b));
            builder.AddWebhookNotifications(o => bound.Bind(o));
        }
    }
}
