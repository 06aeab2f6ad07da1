using System.Globalization;
namespace Inknowing.DbResilience.Notifications;

/// <summary>
/// What a notifier sends: what happened, to which database, how long it took, how big it was and what went wrong. It never
/// holds a connection string, password or key: messages are redacted before they are put here.
/// </summary>
public sealed record DbResilienceNotification
{
    /// <summary>Gets what the notification is about.</summary>
    public required NotificationOperation Operation { get; init; }

    /// <summary>Gets how urgent it is.</summary>
    public required NotificationSeverity Severity { get; init; }

    /// <summary>Gets one line for people, for example <c>backup-daily succeeded: backup 20260301T020000Z-daily-3f9a, 12.3 MB</c>.</summary>
    public required string Summary { get; init; }

    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the scheduled job that reported it, or <see langword="null"/>.</summary>
    public string? Job { get; init; }

    /// <summary>Gets the name of the database concerned (never its connection string), or <see langword="null"/>.</summary>
    public string? Database { get; init; }

    /// <summary>Gets the application or environment that sent it (<see cref="NotificationOptions.Source"/>), or <see langword="null"/>.</summary>
    public string? Source { get; init; }

    /// <summary>Gets how long the operation took, or <see langword="null"/>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets the bytes written, or <see langword="null"/>.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Gets the backup concerned, or <see langword="null"/>.</summary>
    public string? BackupId { get; init; }

    /// <summary>Gets what went wrong, redacted, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Lists the notification's facts as name and value, in the order notifiers print them, leaving out those not set.</summary>
    /// <returns>The facts: operation, database, source, job, backup, duration, size, error and time.</returns>
    public IEnumerable<KeyValuePair<string, string>> Facts()
    {
        KeyValuePair<string, string>?[] facts =
        [
            Fact("Operation", Operation.ToString()),
            Fact("Database", Database),
            Fact("Source", Source),
            Fact("Job", Job),
            Fact("Backup", BackupId),
            Fact("Duration", Duration?.ToString("c", CultureInfo.InvariantCulture)),
            Fact("Size", SizeBytes is { } size ? size.ToString("N0", CultureInfo.InvariantCulture) + " bytes" : null),
            Fact("Error", Error),
            Fact("At", OccurredAt.ToString("u", CultureInfo.InvariantCulture)),
        ];
        return facts.Where(f => f is not null).Select(f => f!.Value);

        static KeyValuePair<string, string>? Fact(string name, string? value)
            => string.IsNullOrEmpty(value) ? null : new KeyValuePair<string, string>(name, value);
    }
}
