using System.Net.Http.Json;

namespace Inknowing.DbResilience.Notifications;

/// <summary>POSTs each notification as a JSON object to a URL.</summary>
internal sealed class WebhookNotifier(WebhookNotifierOptions options, NotificationHttpClient http) : INotifier
{
    public string Name => "webhook";

    public bool Accepts(DbResilienceNotification notification) => options.Accepts(notification);

    public async Task SendAsync(DbResilienceNotification notification, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = JsonContent.Create(notification, NotificationJsonContext.Default.DbResilienceNotification),
        };
        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
    }
}
