using Inknowing.DbResilience.Notifications;

namespace Inknowing.DbResilience.Tests.Notifications;

public sealed class NotifierOptionsTests
{
    [Test]
    public void Accepts_FailuresOnlyForBackups_FiltersBySeverityAndOperation()
    {
        var options = new NotifierOptions { MinimumSeverity = NotificationSeverity.Failure };
        options.Operations.Add(NotificationOperation.Backup);

        options.Accepts(Notification(NotificationOperation.Backup, NotificationSeverity.Failure)).Should().BeTrue();
        options.Accepts(Notification(NotificationOperation.Backup, NotificationSeverity.Warning)).Should().BeFalse();
        options.Accepts(Notification(NotificationOperation.Drill, NotificationSeverity.Failure)).Should().BeFalse();
        new NotifierOptions().Accepts(Notification(NotificationOperation.Drill, NotificationSeverity.Success)).Should().BeTrue();
    }

    [Test]
    public void Format_FailedBackup_NamesWhatWhereAndWhy()
    {
        var text = SlackNotifier.Format(Notification(NotificationOperation.Backup, NotificationSeverity.Failure) with
        {
            Database = "shop",
            Duration = TimeSpan.FromSeconds(75),
            SizeBytes = 1_234_567,
            Error = "pg_dump exited with code 1",
        });

        text.Should().StartWith(":red_circle: *FAILED* backup-daily FAILED")
            .And.Contain("Database: shop").And.Contain("Duration: 00:01:15").And.Contain("Size: 1,234,567 bytes").And.Contain("Error: pg_dump exited with code 1");
    }

    private static DbResilienceNotification Notification(NotificationOperation operation, NotificationSeverity severity) => new()
    {
        Operation = operation,
        Severity = severity,
        Summary = "backup-daily FAILED",
        OccurredAt = new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero),
    };
}
