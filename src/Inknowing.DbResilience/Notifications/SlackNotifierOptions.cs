namespace Inknowing.DbResilience.Notifications;

/// <summary>A Slack incoming webhook: where to post and which notifications.</summary>
public sealed class SlackNotifierOptions : NotifierOptions
{
    /// <summary>
    /// Gets or sets the incoming webhook's URL (<c>https://hooks.slack.com/services/...</c>). It is a secret: it is never
    /// logged. The default value is <see langword="null"/>, which is invalid.
    /// </summary>
    public Uri? WebhookUrl { get; set; }
}
