namespace Inknowing.DbResilience.Notifications;

/// <summary>How notifications are sent, whatever the notifier: the label they carry, timeouts and retries.</summary>
public sealed class NotificationOptions
{
    /// <summary>Gets or sets a label for the application or environment, put in every notification (for example <c>shop-prod</c>). The default value is <see langword="null"/>.</summary>
    public string? Source { get; set; }

    /// <summary>
    /// Gets or sets the database name put in notifications that do not name one. The default value is <see langword="null"/>:
    /// the PostgreSQL package fills in the protected database's name.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>Gets or sets how long one attempt to send may take. The default value is 10 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many times a failed send is tried again. The default value is 2.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Gets or sets the delay before the first retry, doubled for each next one. The default value is 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
