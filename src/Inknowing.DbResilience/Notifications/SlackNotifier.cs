using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Inknowing.DbResilience.Notifications;

/// <summary>Posts notifications to a Slack incoming webhook as one message each.</summary>
internal sealed class SlackNotifier(SlackNotifierOptions options, NotificationHttpClient http) : INotifier
{
    public string Name => "slack";

    public bool Accepts(DbResilienceNotification notification) => options.Accepts(notification);

    public async Task SendAsync(DbResilienceNotification notification, CancellationToken cancellationToken)
    {
        var content = JsonContent.Create(new SlackMessage(Format(notification)), NotificationJsonContext.Default.SlackMessage);
        using var response = await http.Client.PostAsync(options.WebhookUrl, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The Slack webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
    }

    /// <summary>Formats the message: a symbol for the severity, the summary, then one line per fact.</summary>
    internal static string Format(DbResilienceNotification n)
    {
        var text = new StringBuilder();
        text.Append(n.Severity switch
        {
            NotificationSeverity.Failure => ":red_circle: *FAILED* ",
            NotificationSeverity.Warning => ":warning: *WARNING* ",
            _ => ":white_check_mark: ",
        });
        text.Append(n.Summary);
        foreach (var (name, value) in n.Facts())
        {
            text.Append('\n').Append(name).Append(": ").Append(value);
        }

        return text.ToString();
    }
}
