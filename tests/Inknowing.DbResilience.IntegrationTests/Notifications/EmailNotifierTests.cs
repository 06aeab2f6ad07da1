using System.Text.Json;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Email;
using Inknowing.DbResilience.Email.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Scheduling;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Notifications;

/// <summary>The email notifier against a real SMTP server (maildev from npm) that requires authentication.</summary>
public sealed class EmailNotifierTests : StorageDirectoryTests
{
    private static readonly DateTimeOffset s_twoAm = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
    private MailDevServer _smtp = null!;

    [OneTimeSetUp]
    public async Task StartSmtpServer() => _smtp = await MailDevServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopSmtpServer() => await _smtp.DisposeAsync();

    [Test]
    [CancelAfter(180_000)]
    public async Task RunOnceAsync_DailyBackupFails_EmailsTheFailureWithoutTheConnectionStringOrPassword()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("email_failure");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var databasePassword = new NpgsqlConnectionStringBuilder(connectionString).Password!;

        // A storage folder that cannot be created (its parent is a file): the backup fails as on a full or read-only disk.
        var blocker = NewStorage();
        await File.WriteAllTextAsync(blocker, "not a directory");
        using var recorder = new JobRecorder();
        var time = new FakeTimeProvider(s_twoAm.AddMinutes(-1));
        await using var host = SchedulerTestHost.Create(connectionString, time, recorder, "a", b => b
            .UseFileSystemStorage(Path.Combine(blocker, "backups"))
            .EnableScheduler(o =>
            {
                foreach (var name in o.Jobs.Keys.Where(k => k != ScheduledJobNames.DailyBackup).ToArray())
                {
                    o.Jobs.Remove(name);
                }

                o.Jobs[ScheduledJobNames.DailyBackup].MissedRuns = MissedRunPolicy.Skip;
            })
            .ConfigureNotifications(o => o.RetryDelay = TimeSpan.Zero)
            .AddEmailNotifications(o =>
            {
                _smtp.Configure(o);
                o.MinimumSeverity = NotificationSeverity.Failure;
            }));
        await host.StartAsync();

        time.SetUtcNow(s_twoAm);
        await recorder.WaitFinishedAsync(["a"], [ScheduledJobNames.DailyBackup], s_twoAm);
        await host.StopAsync();

        var email = (await _smtp.GetEmailsAsync()).Should().ContainSingle().Subject;
        var subject = email.GetProperty("subject").GetString();
        var text = email.GetProperty("text").GetString();
        subject.Should().StartWith($"[dbresilience] FAILED backup of {database}:");
        text.Should().Contain("Severity: Failure").And.Contain("Operation: Backup").And.Contain($"Job: {ScheduledJobNames.DailyBackup}").And.Contain("Error: ");
        email.GetProperty("to").EnumerateArray().Select(t => t.GetProperty("address").GetString()).Should().Equal("ops@example.com");
        var raw = email.GetRawText();
        raw.Should().NotContain(databasePassword).And.NotContain("Host=").And.NotContain(_smtp.Password);
    }

    [Test]
    public async Task SendAsync_WrongPassword_FailsWithoutRepeatingIt()
    {
        var notifier = new EmailNotifier(new EmailNotifierOptions
        {
            Host = "127.0.0.1",
            Port = _smtp.SmtpPort,
            Security = EmailTransportSecurity.None,
            UserName = MailDevServer.UserName,
            Password = "wrong-password-7f3a",
            From = "dbresilience@example.com",
            To = { "ops@example.com" },
        });
        var notification = new DbResilienceNotification
        {
            Operation = NotificationOperation.Backup,
            Severity = NotificationSeverity.Failure,
            Summary = "test",
            OccurredAt = DateTimeOffset.UtcNow,
        };

        var act = () => notifier.SendAsync(notification, CancellationToken.None);

        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().NotContain("wrong-password-7f3a");
    }

    [Test]
    public void Build_EmailSectionWithMistakes_ReportsEachKeyWithoutThePassword()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DbResilience:Notifications:Email:Port"] = "70000",
            ["DbResilience:Notifications:Email:Password"] = "hunter2-mail",
            ["DbResilience:Notifications:Email:From"] = "not an address",
            ["DbResilience:Notifications:Email:Tls"] = "true",
        }).Build().GetSection("DbResilience");
        var builder = new DbResilienceBuilder().AddEmailNotifications(section);

        var errors = builder.Invoking(b => b.Build()).Should().Throw<DbResilienceConfigurationException>().Which.Errors;

        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:Tls: not a known setting", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:Host is missing", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:Port is 70000", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:From is not an email address", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:To is empty", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Notifications:Email:Password is set without", StringComparison.Ordinal));
        string.Join("\n", errors).Should().NotContain("hunter2-mail");
    }
}
