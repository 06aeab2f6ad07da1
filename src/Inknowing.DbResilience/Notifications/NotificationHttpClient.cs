namespace Inknowing.DbResilience.Notifications;

/// <summary>The library's own HTTP client for webhooks, so that the application's clients and handlers are left alone.</summary>
internal sealed class NotificationHttpClient : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        // Each attempt has its own timeout (NotificationOptions.AttemptTimeout); this one only stops a forgotten request.
        Timeout = TimeSpan.FromMinutes(5),
    };

    public void Dispose() => Client.Dispose();
}
