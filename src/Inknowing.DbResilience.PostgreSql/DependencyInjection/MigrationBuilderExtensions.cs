using System.Diagnostics.CodeAnalysis;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Adds the migration engine to a <see cref="DbResilienceBuilder"/>.</summary>
public static class MigrationBuilderExtensions
{
    /// <summary>
    /// Adds migrations, an <see cref="IMigrationRunner"/> and an <see cref="IMigrationAdopter"/> (adopting another tool's history, baselines), for example
    /// <c>b.UsePostgreSql(cs).AddMigrations(m =&gt; m.FromDirectory("migrations"))</c>. Calling it again adds more sources
    /// and settings to the same runner. Set <see cref="MigrationOptions.MigrateAtStartup"/> to apply them when the host starts.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adds the sources and sets the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddMigrations(this DbResilienceBuilder builder, Action<MigrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddPostgreSqlCore();
        services.Configure(configure);
        if (services.TryAddValidatedOptions<MigrationOptions, MigrationOptionsValidator>())
        {
            services.TryAddSingleton<IMigrationRunner, PostgreSqlMigrationRunner>();
            services.TryAddSingleton<IMigrationAdopter, PostgreSqlMigrationAdopter>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MigrationHostedService>());
        }

        return builder;
    }

    /// <summary>
    /// Adds your own migration source, constructed from the services, beside those of <see cref="MigrationOptions"/>
    /// (<c>FromDirectory</c>, <c>FromAssembly</c>, <c>FromCode</c>), and adds migrations if they are not added yet.
    /// </summary>
    /// <typeparam name="T">The source type; its constructor's parameters are resolved from the services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddMigrationSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this DbResilienceBuilder builder)
        where T : class, IMigrationSource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddMigrations(_ => { });
        builder.Services.TryAddSingleton<T>();
        builder.Services.AddOptions<MigrationOptions>().Configure<T>((options, source) =>
        {
            if (!options.Sources.Contains(source))
            {
                options.Sources.Add(source);
            }
        });
        return builder;
    }

    /// <summary>Adds your own migration source beside those of <see cref="MigrationOptions"/>, and adds migrations if they are not added yet.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="source">The source.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddMigrationSource(this DbResilienceBuilder builder, IMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        return builder.AddMigrations(m => m.Sources.Add(source));
    }
}
