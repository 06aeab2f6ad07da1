using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Microsoft.Extensions.Configuration;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Binds the PostgreSQL package's options from the <c>DbResilience</c> configuration section.</summary>
public static class PostgreSqlConfigurationExtensions
{
    /// <summary>
    /// Uses the PostgreSQL database and binds the package's sections of <paramref name="configuration"/> (usually
    /// <c>configuration.GetSection("DbResilience")</c>): <c>PostgreSql</c>, <c>Migrations</c> (with <c>Directories</c>, a
    /// list of migration folders), <c>Restores</c>, <c>Drills</c>, <c>IntegrityChecks</c> and <c>PointInTime</c> (which
    /// switches point-in-time recovery on when present).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The <c>DbResilience</c> section.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// Unknown keys and values of the wrong type are reported with every other problem when the configuration is validated.
    /// Keep the connection string out of appsettings files: an environment variable (<c>DbResilience__PostgreSql__ConnectionString</c>)
    /// or a secret store binds the same key.
    /// </remarks>
    public static DbResilienceBuilder UsePostgreSql(this DbResilienceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var postgreSql = configuration.GetSection("PostgreSql");
        var boundPostgreSql = builder.CheckSection<PostgreSqlOptions>(postgreSql, (c, o, b) => c.Bind(o, b));
        builder.UsePostgreSql(o => boundPostgreSql.Bind(o));

        var migrations = configuration.GetSection("Migrations");
        if (migrations.Exists())
        {
            var bound = builder.CheckSection<MigrationOptions>(migrations, (c, o, b) => c.Bind(o, b), "Directories");
            builder.AddMigrations(o =>
            {
                bound.Bind(o);
                foreach (var directory in migrations.GetSection("Directories").GetChildren())
                {
                    if (directory.Value is { Length: > 0 } path)
                    {
                        o.FromDirectory(path);
                    }
                }
            });
        }

        var restores = configuration.GetSection("Restores");
        if (restores.Exists())
        {
            var bound = builder.CheckSection<RestoreOptions>(restores, (c, o, b) => c.Bind(o, b));
            builder.ConfigureRestores(o => bound.Bind(o));
        }

        var drills = configuration.GetSection("Drills");
        if (drills.Exists())
        {
            var bound = builder.CheckSection<DrillOptions>(drills, (c, o, b) => c.Bind(o, b));
            builder.ConfigureDrills(o => bound.Bind(o));
        }

        var integrity = configuration.GetSection("IntegrityChecks");
        if (integrity.Exists())
        {
            var bound = builder.CheckSection<IntegrityCheckOptions>(integrity, (c, o, b) => c.Bind(o, b));
            builder.ConfigureIntegrityChecks(o => bound.Bind(o));
        }

        var pointInTime = configuration.GetSection("PointInTime");
        if (pointInTime.Exists())
        {
            var bound = builder.CheckSection<PointInTimeOptions>(pointInTime, (c, o, b) => c.Bind(o, b));
            builder.EnablePointInTimeRecovery(o => bound.Bind(o));
        }

        return builder;
    }
}
