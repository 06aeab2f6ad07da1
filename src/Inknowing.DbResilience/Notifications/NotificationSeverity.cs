namespace Inknowing.DbResilience.Notifications;

/// <summary>How urgent a notification is, in increasing order.</summary>
public enum NotificationSeverity
{
    /// <summary>The operation succeeded.</summary>
    Success,

    /// <summary>The operation succeeded but something needs attention.</summary>
    Warning,

    /// <summary>The operation failed: data may not be protected.</summary>
    Failure,
}
