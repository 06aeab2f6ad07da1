using System.Diagnostics.CodeAnalysis;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Adds your own restore strategies to a <see cref="DbResilienceBuilder"/>.</summary>
/// <remarks>
/// Restores and drills pick the first strategy whose <see cref="IRestoreStrategy.CanRestore"/> accepts the backup, asking
/// the application's strategies (in the order added) before the built-in ones (pg_restore, psql, point-in-time), whatever the order of the
/// builder calls: a strategy added here for a format wins over the built-in one for that format.
/// </remarks>
public static class RestoreBuilderExtensions
{
    /// <summary>Adds a restore strategy constructed from the services; it is asked before the built-in ones.</summary>
    /// <typeparam name="T">The strategy type; its constructor's parameters are resolved from the services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddRestoreStrategy<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this DbResilienceBuilder builder)
        where T : class, IRestoreStrategy
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRestoreStrategy, T>());
        return builder;
    }

    /// <summary>Adds a restore strategy created by a factory; it is asked before the built-in ones.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the strategy once.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddRestoreStrategy(this DbResilienceBuilder builder, Func<IServiceProvider, IRestoreStrategy> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
