using System.Globalization;
using System.Security.Cryptography;
using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.Email.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Scheduling;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.S3.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Secrets in notification payloads: scheduled backups that fail (the database server down, with the password in the connection
/// string; an S3 store refusing the key pair; azurite refusing a SAS connection string) notify a Slack-style webhook and a JSON webhook (a local HTTP server records
/// the raw bodies) and an email (maildev, read back through its API: subject, text, HTML and headers); none holds the password,
/// the connection string, the S3 secret key, the SAS signature or the SMTP password, and neither do the scheduler's logs.
/// </summary>
[Category("Reliability")]
public sealed class SecretNotificationTests : StorageDirectoryTests
{
    private static readonly DateTimeOffset s_twoAm = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
    private MailDevServer _smtp = null!;
    private string _password = null!;
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        (_password, _connectionString) = await SecretLogTests.CreatePasswordRoleAsync();
        _smtp = await MailDevServer.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopSmtpServer() => await _smtp.DisposeAsync();

    [Test]
    [CancelAfter(120_000)]
    public async Task Notifications_FailingScheduledBackupsWithSecrets_NeverHoldThem()
    {
        var s3Secret = "s3-secret-" + Guid.NewGuid().ToString("N");
        var s3rver = TestServers.S3rver;
        var unreachable = SecretLogTests.Unreachable(_connectionString);
        var bucket = await SecretLogTests.CreateBucketAsync(s3rver);
        var sasSignature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var azurite = TestServers.Azurite;
        var scenarios = new (string Name, string ConnectionString, Action<DbResilienceBuilder> Storage)[]
        {
            ("database-down", unreachable, b => b.UseFileSystemStorage(NewStorage())),
            ("s3-credentials-refused", _connectionString, b => b.UseS3Storage(o => SecretLogTests.S3(o, s3rver.Endpoint, s3Secret, s3rver.RequiresCompatibilityMode, bucket))),
            ("azure-sas-refused", _connectionString, b => b.UseAzureBlobStorage(o =>
            {
                o.ContainerName = "secrets-" + Guid.NewGuid().ToString("N")[..8];
                o.ConnectionString = SecretLogTests.SasConnectionString(azurite.BlobEndpoint, sasSignature);
                o.MaxRetryAttempts = 1;
            })),
        };
        var secrets = SecretLogTests.Forms(_password, _connectionString, unreachable, s3Secret, sasSignature, _smtp.Password);
        var payloads = new List<(string Where, string Text)>();
        var logEntries = 0;
        var day = 0;

        foreach (var (name, connectionString, storage) in scenarios)
        {
            using var listener = new WebhookListener();
            using var recorder = new JobRecorder();
            var logs = new CapturingLoggerProvider();
            var emailsBefore = (await _smtp.GetEmailsAsync()).Count;
            // A day of its own per scenario: the job history (in the same database) runs each instant once.
            var twoAm = s_twoAm.AddDays(day++);
            var time = new FakeTimeProvider(twoAm.AddMinutes(-1));
            await using (var host = SchedulerTestHost.Create(connectionString, time, recorder, name, b =>
                         {
                             storage(b);
                             b.UseLoggerFactory(LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)))
                                 .EnableScheduler(o =>
                                 {
                                     foreach (var job in o.Jobs.Keys.Where(k => k != ScheduledJobNames.DailyBackup).ToArray())
                                     {
                                         o.Jobs.Remove(job);
                                     }

                                     o.Jobs[ScheduledJobNames.DailyBackup].MissedRuns = MissedRunPolicy.Skip;
                                 })
                                 .ConfigureNotifications(o =>
                                 {
                                     o.Source = name;
                                     o.RetryDelay = TimeSpan.Zero;
                                 })
                                 .AddSlackNotifications(o => o.WebhookUrl = listener.Url("slack/T000/B000/hook"))
                                 .AddWebhookNotifications(o => o.Url = listener.Url("hook"))
                                 .AddEmailNotifications(_smtp.Configure);
                         }))
            {
                await host.StartAsync();
                time.SetUtcNow(twoAm);
                await listener.WaitForAsync(r => r.Count >= 2, $"{name}: the Slack and webhook notifications");
                await WaitForEmailsAsync(emailsBefore + 1, name);
                await host.StopAsync();
            }

            listener.Requests.Select(r => r.Path).Should().BeEquivalentTo(["slack/T000/B000/hook", "hook"], name);
            listener.Requests.Should().OnlyContain(r => r.Body.Contains("FAILED", StringComparison.Ordinal) || r.Body.Contains("\"Failure\"", StringComparison.Ordinal), $"{name}: the run failed");
            payloads.AddRange(listener.Requests.Select(r => ($"{name} {r.Path}", r.Body)));
            var email = (await _smtp.GetEmailsAsync()).Skip(emailsBefore).Should().ContainSingle(name).Subject;
            email.GetProperty("subject").GetString().Should().Contain("FAILED", name);
            payloads.Add(($"{name} email", email.GetRawText()));
            logs.Entries.Should().NotBeEmpty(name);
            logEntries += logs.Entries.Count;
            payloads.AddRange(logs.Entries.Select(e => ($"{name} log", e)));
            TestContext.Progress.WriteLine($"secrets/notifications: {name}: {email.GetProperty("subject").GetString()}");
        }

        var leaks = payloads.Where(p => secrets.Any(s => p.Text.Contains(s, StringComparison.Ordinal)))
            .Select(p => $"{p.Where}: {SecretLogTests.Mask(p.Text, secrets)}").ToList();
        var notifications = payloads.Count(p => !p.Where.EndsWith(" log", StringComparison.Ordinal));
        ReliabilityTrials.Record("secrets/notifications", scenarios.Length, 0, leaks.Count, string.Create(
            CultureInfo.InvariantCulture,
            $"scheduled backups failing (the database down, S3 refusing the key pair, Azure refusing a SAS); {notifications} payloads (Slack, JSON webhook, email subject, text, HTML and headers from maildev) and {logEntries} scheduler log entries at Trace: no password, connection string, S3 secret key, SAS signature or SMTP password"));
        leaks.Should().BeEmpty("no notification payload may hold a secret");
    }

    private async Task WaitForEmailsAsync(int count, string name)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await _smtp.GetEmailsAsync()).Count >= count)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{name}: maildev did not receive the failure email.");
    }
}
