namespace Inknowing.DbResilience.Notifications;

/// <summary>The body of a Slack incoming-webhook post: its fallback text and mrkdwn.</summary>
internal sealed record SlackMessage(string Text);
