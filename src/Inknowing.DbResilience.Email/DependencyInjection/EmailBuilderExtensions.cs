using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Email.DependencyInjection;

/// <summary>Adds email notifications to Inknowing.DbResilience.</summary>
public static class EmailBuilderExtensions
{
    /// <summary>
    /// Adds an email notifier: each notification its filters accept is sent over SMTP, retried and time-bounded by the
    /// notification settings (<c>ConfigureNotifications</c>). Call it again for another server or list of recipients.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the server, the sender, the recipients and the filters.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddEmailNotifications(this DbResilienceBuilder builder, Action<EmailNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailNotifierOptions>, EmailNotifierOptionsValidator>());
        return builder.AddConfiguredNotifier<EmailNotifierOptions>("email", configure, (o, _) => new EmailNotifier(o));
    }

    /// <summary>
    /// Adds an email notifier configured by the <c>Notifications:Email</c> section of <paramref name="configuration"/>
    /// (usually <c>configuration.GetSection("DbResilience")</c>), when that section is present.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The <c>DbResilience</c> section.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>Keep the password out of appsettings files: <c>DbResilience__Notifications__Email__Password</c> in the environment binds the same key.</remarks>
    public static DbResilienceBuilder AddEmailNotifications(this DbResilienceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Notifications").GetSection("Email");
        if (section.Exists())
        {
            var bound = builder.CheckSection<EmailNotifierOptions>(section, (c, o, b) => c.Bind(o, b));
            builder.AddEmailNotifications(o => bound.Bind(o));
        }

        return builder;
    }
}
