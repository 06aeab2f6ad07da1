using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Notifications;

/// <summary>Checks the notification options at start, every problem at once, each naming its configuration key.</summary>
internal sealed class NotificationOptionsValidator :
    IValidateOptions<NotificationOptions>, IValidateOptions<SlackNotifierOptions>, IValidateOptions<WebhookNotifierOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var problems = new List<string>();
        if (options.AttemptTimeout <= TimeSpan.Zero)
        {
            problems.Add($"DbResilience:Notifications:AttemptTimeout is {options.AttemptTimeout}: give a positive duration such as 00:00:10.");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            problems.Add($"DbResilience:Notifications:MaxRetries is {options.MaxRetries}: give 0 to 10.");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            problems.Add($"DbResilience:Notifications:RetryDelay is {options.RetryDelay}: give zero or a positive duration.");
        }

        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, SlackNotifierOptions options)
        => Result(CheckUrl(options.WebhookUrl, "DbResilience:Notifications:Slack:WebhookUrl", "AddSlackNotifications(o => o.WebhookUrl = ...)"));

    public ValidateOptionsResult Validate(string? name, WebhookNotifierOptions options)
        => Result(CheckUrl(options.Url, "DbResilience:Notifications:Webhook:Url", "AddWebhookNotifications(o => o.Url = ...)"));

    private static List<string> CheckUrl(Uri? url, string key, string call)
    {
        var problems = new List<string>();
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            // The URL is a secret (a Slack webhook's path is its key): the message says what is wrong without repeating it.
            problems.Add($"{key} is {(url is null ? "missing" : "not an absolute http(s) URL")}: set it, or call {call}.");
        }

        return problems;
    }

    private static ValidateOptionsResult Result(List<string> problems)
        => problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}
