using System.Globalization;
using System.Text;
using Inknowing.DbResilience.Notifications;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Inknowing.DbResilience.Email;

/// <summary>
/// Sends each notification as a plain-text email over SMTP. The publisher retries a failed send, bounds each attempt and
/// removes connection strings from the notification before it gets here.
/// </summary>
internal sealed class EmailNotifier(EmailNotifierOptions options) : INotifier
{
    public string Name => "email";

    public bool Accepts(DbResilienceNotification notification) => options.Accepts(notification);

    public async Task SendAsync(DbResilienceNotification notification, CancellationToken cancellationToken)
    {
        using var message = Compose(notification);
        using var client = new SmtpClient();
        await client.ConnectAsync(options.Host!, options.Port, Socket(options.Security), cancellationToken).ConfigureAwait(false);
        try
        {
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal MimeMessage Compose(DbResilienceNotification n)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From!));
        foreach (var to in options.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = Subject(n);
        message.Body = new TextPart("plain") { Text = Body(n) };
        return message;
    }

    internal string Subject(DbResilienceNotification n)
    {
        var severity = n.Severity switch
        {
            NotificationSeverity.Failure => "FAILED",
            NotificationSeverity.Warning => "WARNING",
            _ => "OK",
        };
        var where = n.Database ?? n.Source;
        return string.Join(' ', new[] { options.SubjectPrefix, severity, n.Operation.ToString().ToLowerInvariant() + (where is null ? ":" : $" of {where}:"), n.Summary }
            .Where(p => !string.IsNullOrEmpty(p)));
    }

    internal static string Body(DbResilienceNotification n)
    {
        var text = new StringBuilder();
        text.Append(n.Summary).Append("\n\n");
        text.Append("Severity: ").Append(n.Severity).Append('\n');
        foreach (var (name, value) in n.Facts())
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return text.ToString();
    }

    private static SecureSocketOptions Socket(EmailTransportSecurity security) => security switch
    {
        EmailTransportSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        EmailTransportSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        EmailTransportSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };
}
