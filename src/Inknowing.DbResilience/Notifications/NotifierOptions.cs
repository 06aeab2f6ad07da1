namespace Inknowing.DbResilience.Notifications;

/// <summary>Which notifications one notifier sends: the filter every built-in notifier's options share.</summary>
public class NotifierOptions
{
    /// <summary>
    /// Gets or sets the least severity sent: <see cref="NotificationSeverity.Failure"/> sends failures only. The default value
    /// is <see cref="NotificationSeverity.Success"/> (everything).
    /// </summary>
    public NotificationSeverity MinimumSeverity { get; set; } = NotificationSeverity.Success;

    /// <summary>Gets the operations sent; empty sends every operation. The default value is empty.</summary>
    public IList<NotificationOperation> Operations { get; } = new List<NotificationOperation>();

    /// <summary>Returns whether a notification passes this filter.</summary>
    /// <param name="notification">The notification.</param>
    /// <returns><see langword="true"/> when it is to be sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="notification"/> is <see langword="null"/>.</exception>
    public bool Accepts(DbResilienceNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return notification.Severity >= MinimumSeverity && (Operations.Count == 0 || Operations.Contains(notification.Operation));
    }
}
