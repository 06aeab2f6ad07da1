using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>A local HTTP server on 127.0.0.1 that records every POST, as a Slack incoming webhook or a JSON webhook receives them.</summary>
internal sealed class WebhookListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, string Body)> _requests = new();
    private readonly Task _loop;

    public WebhookListener()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    public IReadOnlyCollection<(string Path, string Body)> Requests => _requests;

    /// <summary>Returns a port nothing listens on: a webhook that is down.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async Task WaitForAsync(Func<IReadOnlyCollection<(string Path, string Body)>, bool> condition, string what)
    {
        for (var i = 0; i < 300; i++)
        {
            if (condition(_requests))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The webhook listener did not receive {what}; it received {_requests.Count} request(s).");
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            _requests.Enqueue((context.Request.Url!.AbsolutePath.TrimStart('/'), await reader.ReadToEndAsync()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
