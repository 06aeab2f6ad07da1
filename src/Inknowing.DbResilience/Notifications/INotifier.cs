namespace Inknowing.DbResilience.Notifications;

/// <summary>
/// Sends notifications somewhere people see them: Slack, a JSON webhook, email, or the application's own. Register one with
/// <c>AddSlackNotifications</c>, <c>AddWebhookNotifications</c>, <c>AddEmailNotifications</c> or
/// <c>AddNotifier&lt;TNotifier&gt;</c>.
/// </summary>
/// <remarks>
/// The library filters, retries and times out every call, and a notifier that throws or hangs is logged and never fails the
/// operation it reports on.
/// </remarks>
public interface INotifier
{
    /// <summary>Gets a name for logs and filters, for example <c>slack</c>; never a URL or a secret.</summary>
    string Name { get; }

    /// <summary>Returns whether this notifier sends a notification (its filter); the default sends every one.</summary>
    /// <param name="notification">The notification.</param>
    /// <returns><see langword="true"/> when it is to be sent.</returns>
    bool Accepts(DbResilienceNotification notification) => true;

    /// <summary>Sends one notification.</summary>
    /// <param name="notification">What to send.</param>
    /// <param name="cancellationToken">Cancelled when the attempt's timeout passes.</param>
    /// <returns>A task that completes when the notification was accepted.</returns>
    /// <remarks>Throw on failure (any exception): the library logs it and retries.</remarks>
    Task SendAsync(DbResilienceNotification notification, CancellationToken cancellationToken);
}
