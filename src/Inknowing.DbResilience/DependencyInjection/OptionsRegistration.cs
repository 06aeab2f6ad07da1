using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// How every feature registers its options: validated at start-up (and by <see cref="DbResilienceBuilder.Build"/>), once, with
/// every problem reported together. Extension packages use it to give their options the same experience.
/// </summary>
public static class OptionsRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> validated by <typeparamref name="TValidator"/> when the host starts,
    /// unless a previous call already did.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <typeparam name="TValidator">The validator; its messages name the call that fixes each problem.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns><see langword="true"/> on the first call, so the caller registers its services once too; otherwise <see langword="false"/>.</returns>
    /// <remarks>
    /// The annotations tell the trimmer that the container constructs both types, so a NativeAOT application keeps their
    /// constructors.
    /// </remarks>
    public static bool TryAddValidatedOptions<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IServiceCollection services)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(TValidator)))
        {
            return false;
        }

        services.AddSingleton<TValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.AddOptions<TOptions>().ValidateOnStart();
        return true;
    }
}
