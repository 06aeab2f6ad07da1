using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Backups;
using Inknowing.DbResilience.PostgreSql.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Adds the PostgreSQL database to a <see cref="DbResilienceBuilder"/>.</summary>
public static class PostgreSqlBuilderExtensions
{
    /// <summary>Sets the PostgreSQL database to protect.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UsePostgreSql(this DbResilienceBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return builder.UsePostgreSql(o => o.ConnectionString = connectionString);
    }

    /// <summary>Sets the PostgreSQL database to protect and its options.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UsePostgreSql(this DbResilienceBuilder builder, Action<PostgreSqlOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddPostgreSqlCore();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Registers what every PostgreSQL capability needs, once: validated options and the library's own data source.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddPostgreSqlCore(this IServiceCollection services)
    {
        if (!services.TryAddValidatedOptions<PostgreSqlOptions, PostgreSqlOptionsValidator>())
        {
            return services;
        }

        services.TryAddSingleton<IPostgreSqlInspector, PostgreSqlInspector>();
        services.TryAddSingleton<IJobLock, PostgreSqlJobLock>();

        // The library's own data source, keyed: an application's NpgsqlDataSource (registered before or after, by
        // AddSingleton or AddNpgsqlDataSource) is never replaced, and never used to decide which database is backed up.
        services.TryAddKeyedSingleton(
            DbResilienceBuilder.ServiceKey,
            (sp, _) => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.ConnectionString!));
        services.AddPostgreSqlBackups();
        services.AddPostgreSqlRecovery();
        services.AddPostgreSqlOperations();
        return services;
    }
}
