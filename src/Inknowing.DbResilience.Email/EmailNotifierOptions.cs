using Inknowing.DbResilience.Notifications;

namespace Inknowing.DbResilience.Email;

/// <summary>Settings of the email notifier: the SMTP server, the sender and the recipients.</summary>
public sealed class EmailNotifierOptions : NotifierOptions
{
    /// <summary>Gets or sets the SMTP server's host name. The default value is <see langword="null"/>, which is invalid.</summary>
    public string? Host { get; set; }

    /// <summary>Gets or sets the SMTP server's port. The default value is 587 (submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary>Gets or sets how the connection is secured. The default value is <see cref="EmailTransportSecurity.StartTls"/>.</summary>
    public EmailTransportSecurity Security { get; set; } = EmailTransportSecurity.StartTls;

    /// <summary>Gets or sets the user name to authenticate with. The default value is <see langword="null"/>: no authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>
    /// Gets or sets the password to authenticate with; a secret: it is never logged nor repeated in an error. The default value
    /// is <see langword="null"/>.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets the sender's address, for example <c>dbresilience@example.com</c>. The default value is <see langword="null"/>, which is invalid.</summary>
    public string? From { get; set; }

    /// <summary>Gets the recipients' addresses. The default value is empty, which is invalid.</summary>
    public IList<string> To { get; } = new List<string>();

    /// <summary>Gets or sets the text put before every subject. The default value is <c>[dbresilience]</c>.</summary>
    public string SubjectPrefix { get; set; } = "[dbresilience]";
}
