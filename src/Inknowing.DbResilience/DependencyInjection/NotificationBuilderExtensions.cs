using System.Diagnostics.CodeAnalysis;
using Inknowing.DbResilience.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Adds notifiers (Slack, JSON webhooks, the application's own) to a <see cref="DbResilienceBuilder"/>.</summary>
public static class NotificationBuilderExtensions
{
    /// <summary>Edits how notifications are sent: their source label, timeouts and retries.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder ConfigureNotifications(this DbResilienceBuilder builder, Action<NotificationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddNotificationCore();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds a Slack incoming webhook; call again for another channel.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets its URL and filter (for example <c>o.MinimumSeverity = NotificationSeverity.Failure</c>).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddSlackNotifications(this DbResilienceBuilder builder, Action<SlackNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddConfiguredNotifier<SlackNotifierOptions>("slack", configure, (o, sp) => new SlackNotifier(o, sp.GetRequiredService<NotificationHttpClient>()));
    }

    /// <summary>Adds a generic JSON webhook: each notification is POSTed as a JSON object; call again for another URL.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets its URL, headers and filter.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddWebhookNotifications(this DbResilienceBuilder builder, Action<WebhookNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddConfiguredNotifier<WebhookNotifierOptions>("webhook", configure, (o, sp) => new WebhookNotifier(o, sp.GetRequiredService<NotificationHttpClient>()));
    }

    /// <summary>Adds the application's own notifier (or another package's), created once by the container.</summary>
    /// <typeparam name="TNotifier">The notifier.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddNotifier<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TNotifier>(this DbResilienceBuilder builder)
        where TNotifier : class, INotifier
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddNotificationCore();
        builder.Services.AddKeyedSingleton<INotifier, TNotifier>(DbResilienceBuilder.ServiceKey);
        return builder;
    }

    /// <summary>
    /// Adds a notifier whose options are validated at start with the rest of the configuration: one named instance of
    /// <typeparamref name="TOptions"/> per call. For packages that add notifiers (email).
    /// </summary>
    /// <typeparam name="TOptions">The notifier's options.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="kind">A short name for the kind, such as <c>email</c>; the options are named <c>kind:N</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="create">Creates the notifier from its options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddConfiguredNotifier<TOptions>(
        this DbResilienceBuilder builder, string kind, Action<TOptions> configure, Func<TOptions, IServiceProvider, INotifier> create)
        where TOptions : NotifierOptions, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(create);
        var services = builder.Services;
        services.AddNotificationCore();
        var name = $"{kind}:{services.Count(d => d.IsKeyedService && Equals(d.ServiceKey, DbResilienceBuilder.ServiceKey) && d.ServiceType == typeof(INotifier))}";
        services.AddOptions<TOptions>(name).Configure(configure).ValidateOnStart();
        services.AddKeyedSingleton<INotifier>(DbResilienceBuilder.ServiceKey, (sp, _) => create(sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name), sp));
        return builder;
    }

    /// <summary>Registers what every notifier needs, once: options, their validation, the publisher and the library's HTTP client.</summary>
    internal static IServiceCollection AddNotificationCore(this IServiceCollection services)
    {
        if (services.TryAddValidatedOptions<NotificationOptions, NotificationOptionsValidator>())
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SlackNotifierOptions>, NotificationOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookNotifierOptions>, NotificationOptionsValidator>());
            services.TryAddSingleton<NotificationHttpClient>();
            services.TryAddSingleton<NotificationPublisher>();
        }

        return services;
    }
}
