using Microsoft.Extensions.Options;
using MimeKit;

namespace Inknowing.DbResilience.Email;

/// <summary>Checks the email notifier's settings; names each key and never repeats the password.</summary>
internal sealed class EmailNotifierOptionsValidator : IValidateOptions<EmailNotifierOptions>
{
    private const string Prefix = "DbResilience:Notifications:Email:";

    public ValidateOptionsResult Validate(string? name, EmailNotifierOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            problems.Add($"{Prefix}Host is missing: set the SMTP server's host name, or call AddEmailNotifications(o => o.Host = ...).");
        }

        if (options.Port is < 1 or > 65535)
        {
            problems.Add($"{Prefix}Port is {options.Port}: give 1 to 65535 (587 for STARTTLS, 465 for TLS on connect).");
        }

        if (!IsAddress(options.From))
        {
            problems.Add($"{Prefix}From is {(options.From is null ? "missing" : "not an email address")}: set the sender, for example dbresilience@example.com.");
        }

        if (options.To.Count == 0)
        {
            problems.Add($"{Prefix}To is empty: add at least one recipient.");
        }

        for (var i = 0; i < options.To.Count; i++)
        {
            if (!IsAddress(options.To[i]))
            {
                problems.Add($"{Prefix}To:{i} is not an email address.");
            }
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.UserName))
        {
            problems.Add($"{Prefix}Password is set without {Prefix}UserName: set the user name to authenticate with.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsAddress(string? value) => !string.IsNullOrWhiteSpace(value) && MailboxAddress.TryParse(value, out _);
}
