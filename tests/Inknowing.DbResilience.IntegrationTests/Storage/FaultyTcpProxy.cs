using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>A TCP proxy on 127.0.0.1 in front of a test server that can cut every open connection and refuse the next ones, to inject network faults.</summary>
internal sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<TcpClient, bool> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _refuse;
    private long _forwarded;
    private long _cutAt = long.MaxValue;
    private int _refuseAfterCut;

    public FaultyTcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Gets the number of connections refused so far.</summary>
    public int Refused { get; private set; }

    /// <summary>Cuts (see <see cref="Cut"/>) once <paramref name="bytes"/> request bytes in all have gone through, in the middle of a request body.</summary>
    public void CutAfter(long bytes, int connections)
    {
        _refuseAfterCut = connections;
        Interlocked.Exchange(ref _cutAt, bytes);
    }

    /// <summary>Resets every open connection and refuses the next <paramref name="connections"/> ones.</summary>
    public void Cut(int connections)
    {
        Interlocked.Exchange(ref _refuse, connections);
        foreach (var client in _open.Keys)
        {
            client.Client.LingerState = new LingerOption(true, 0);
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var client in _open.Keys)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (Interlocked.Decrement(ref _refuse) >= 0)
            {
                Refused++;
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            Interlocked.Exchange(ref _refuse, 0);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardRequestsAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            var total = Interlocked.Add(ref _forwarded, read);
            if (total >= Interlocked.Read(ref _cutAt))
            {
                Interlocked.Exchange(ref _cutAt, long.MaxValue);
                Cut(_refuseAfterCut);
                return;
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        _open[client] = true;
        _open[upstream] = true;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(ForwardRequestsAsync(down, up), up.CopyToAsync(down, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A cut connection: the client sees a reset, which is the point.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            client.Dispose();
        }
    }
}
