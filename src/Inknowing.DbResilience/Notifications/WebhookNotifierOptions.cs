namespace Inknowing.DbResilience.Notifications;

/// <summary>A generic JSON webhook: each notification is POSTed as a JSON object (the properties of <see cref="DbResilienceNotification"/>).</summary>
public sealed class WebhookNotifierOptions : NotifierOptions
{
    /// <summary>Gets or sets the URL to POST to; never logged. The default value is <see langword="null"/>, which is invalid.</summary>
    public Uri? Url { get; set; }

    /// <summary>Gets headers added to each request, for example an <c>Authorization</c> token; never logged. The default value is empty.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
