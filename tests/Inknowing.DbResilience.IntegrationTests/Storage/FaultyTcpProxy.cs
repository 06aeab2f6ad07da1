using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a test server, to inject network faults: it can cut every open connection and refuse
/// the next ones, refuse every connection for a while (the server down), stall the open connections (bytes held, sockets kept
/// open: a black hole) and throttle every connection to a number of bytes per second (a slow link).
/// </summary>
internal sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<TcpClient, bool> _open = new();
    private readonly ConcurrentDictionary<Connection, bool> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _refuse;
    private long _forwarded;
    private long _returned;
    private long _cutAt = long.MaxValue;
    private int _refuseAfterCut;
    private long _stallRequestsAt = long.MaxValue;
    private long _stallResponsesAt = long.MaxValue;
    private long _refuseUntilMilliseconds;
    private long _bytesPerSecond;
    private int _stalled;

    public FaultyTcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Gets the number of connections refused so far.</summary>
    public int Refused { get; private set; }

    /// <summary>Gets the number of connections stalled so far.</summary>
    public int Stalled => Volatile.Read(ref _stalled);

    /// <summary>Gets or sets the most bytes per second each connection forwards in each direction; 0 (the default) for no limit.</summary>
    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _bytesPerSecond);
        set => Interlocked.Exchange(ref _bytesPerSecond, value);
    }

    /// <summary>Cuts (see <see cref="Cut"/>) once <paramref name="bytes"/> request bytes in all have gone through, in the middle of a request body.</summary>
    public void CutAfter(long bytes, int connections)
    {
        _refuseAfterCut = connections;
        Interlocked.Exchange(ref _cutAt, Interlocked.Read(ref _forwarded) + bytes);
    }

    /// <summary>Resets every open connection and refuses the next <paramref name="connections"/> ones.</summary>
    public void Cut(int connections)
    {
        Interlocked.Exchange(ref _refuse, connections);
        ResetOpenConnections();
    }

    /// <summary>Resets every open connection and refuses (resets) every new one until <paramref name="duration"/> has passed: the server down, then back.</summary>
    public void RefuseFor(TimeSpan duration)
    {
        Interlocked.Exchange(ref _refuseUntilMilliseconds, _clock.ElapsedMilliseconds + (long)duration.TotalMilliseconds);
        ResetOpenConnections();
    }

    /// <summary>
    /// Stalls, once <paramref name="bytes"/> more request bytes have gone through, every connection open at that moment: it
    /// forwards nothing more either way, and stays open until the client gives up. Later connections work.
    /// </summary>
    public void StallRequestsAfter(long bytes) => Interlocked.Exchange(ref _stallRequestsAt, Interlocked.Read(ref _forwarded) + bytes);

    /// <summary>As <see cref="StallRequestsAfter"/>, counting response bytes (a download that stops in the middle of its body).</summary>
    public void StallResponsesAfter(long bytes) => Interlocked.Exchange(ref _stallResponsesAt, Interlocked.Read(ref _returned) + bytes);

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

    private void ResetOpenConnections()
    {
        foreach (var client in _open.Keys)
        {
            // A connection closing at this very moment has no socket any more (TcpClient.Client is null once disposed).
            try
            {
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (ObjectDisposedException)
            {
            }

            client.Dispose();
        }
    }

    private void StallOpenConnections()
    {
        foreach (var connection in _connections.Keys)
        {
            if (!connection.Stalled)
            {
                connection.Stalled = true;
                Interlocked.Increment(ref _stalled);
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var down = _clock.ElapsedMilliseconds < Interlocked.Read(ref _refuseUntilMilliseconds);
            if (down || Interlocked.Decrement(ref _refuse) >= 0)
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

    private async Task PumpAsync(Connection connection, NetworkStream from, NetworkStream to, bool requests)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var rate = BytesPerSecond;
            var chunk = rate > 0 ? (int)Math.Clamp(rate / 20, 1, buffer.Length) : buffer.Length;
            var read = await from.ReadAsync(buffer.AsMemory(0, chunk), _stop.Token);
            if (read == 0)
            {
                return;
            }

            while (connection.Stalled)
            {
                // A black hole: the bytes are held and the socket stays open until the client closes it (or the proxy stops).
                await Task.Delay(50, _stop.Token);
                if (connection.ClientClosed)
                {
                    return;
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            if (rate > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)read / rate), _stop.Token);
            }

            var total = Interlocked.Add(ref requests ? ref _forwarded : ref _returned, read);
            if (requests && total >= Interlocked.Read(ref _cutAt))
            {
                Interlocked.Exchange(ref _cutAt, long.MaxValue);
                Cut(_refuseAfterCut);
                return;
            }

            ref var stallAt = ref requests ? ref _stallRequestsAt : ref _stallResponsesAt;
            if (total >= Interlocked.Read(ref stallAt))
            {
                Interlocked.Exchange(ref stallAt, long.MaxValue);
                StallOpenConnections();
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        var connection = new Connection(client);
        _open[client] = true;
        _open[upstream] = true;
        _connections[connection] = true;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(PumpAsync(connection, down, up, requests: true), PumpAsync(connection, up, down, requests: false));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A cut connection: the client sees a reset, which is the point.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            _connections.TryRemove(connection, out _);
            client.Dispose();
        }
    }

    private sealed class Connection(TcpClient client)
    {
        private volatile bool _stalled;

        public bool Stalled
        {
            get => _stalled;
            set => _stalled = value;
        }

        /// <summary>Gets a value indicating whether the client closed its end (readable with nothing to read) or it was reset.</summary>
        public bool ClientClosed
        {
            get
            {
                try
                {
                    return client.Client.Poll(0, SelectMode.SelectRead) && client.Client.Available == 0;
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return true;
                }
            }
        }
    }
}
