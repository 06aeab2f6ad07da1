using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inknowing.DbResilience.Testing;

/// <summary>
/// A server from npm (installed in eng/test-services) run by node on a free 127.0.0.1 port: started, waited for until it
/// listens, and stopped with its process tree and its data directory on dispose. The S3 servers (<see cref="S3TestServer"/>),
/// azurite and maildev are launched through it. Shared by the integration tests and the benchmarks (linked into both projects).
/// </summary>
public sealed class NodeServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _dataDirectory;

    private NodeServerProcess(Process process, int port, string? dataDirectory)
    {
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
    }

    /// <summary>Gets the (first) port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets eng/test-services of this repository, found above the running binaries.</summary>
    public static string TestServices { get; } = FindTestServices();

    /// <summary>Creates a temporary data directory named after the server, removed when the server is disposed.</summary>
    /// <param name="name">The server's name, for example <c>s3rver</c>.</param>
    /// <returns>The directory's path.</returns>
    public static string NewDataDirectory(string name)
        => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"dbresilience-{name}-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    /// <summary>Describes running a script of eng/test-services with node, its output redirected.</summary>
    /// <param name="script">The script's path.</param>
    /// <returns>The start information, to which the caller adds the server's arguments.</returns>
    /// <exception cref="FileNotFoundException">The script is missing (the npm packages are not installed).</exception>
    public static ProcessStartInfo StartInfo(string script)
    {
        if (!File.Exists(script))
        {
            throw new FileNotFoundException(
                $"{script} is missing: run eng/install-prerequisites.sh (it runs 'npm ci' in eng/test-services).", script);
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestServices,
        };
        start.ArgumentList.Add(script);
        return start;
    }

    /// <summary>Starts the server and waits (up to 30 seconds) until it accepts connections on every one of <paramref name="ports"/>.</summary>
    /// <param name="name">The server's name, for messages.</param>
    /// <param name="start">What to run (see <see cref="StartInfo"/>).</param>
    /// <param name="dataDirectory">A directory to remove on dispose, or <see langword="null"/>.</param>
    /// <param name="ports">The ports it listens on (at least one; the first is <see cref="Port"/>).</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">node could not start, or the server exited at start (its stderr is in the message).</exception>
    /// <exception cref="TimeoutException">The server did not listen within 30 seconds.</exception>
    public static async Task<NodeServerProcess> StartAsync(string name, ProcessStartInfo start, string? dataDirectory, params int[] ports)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"node could not start {name}.");
        var server = new NodeServerProcess(process, ports[0], dataDirectory);

        // Both pipes are drained for the server's whole life (a full pipe would stall it); the start of stderr is kept for errors.
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                if (e.Data is not null && stderr.Length < 8192)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                await server.DisposeAsync();
                lock (stderr)
                {
                    throw new InvalidOperationException($"{name} exited with code {exitCode} at start: {stderr}");
                }
            }

            try
            {
                foreach (var port in ports)
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                }

                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException($"{name} did not listen on 127.0.0.1:{string.Join(" and ", ports)} within 30 seconds.");
    }

    /// <summary>Returns a port on 127.0.0.1 that was free a moment ago.</summary>
    /// <returns>The port.</returns>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the server's process tree and removes its data directory.</summary>
    /// <returns>A task that completes once it has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }

    private static string FindTestServices()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "eng", "test-services");
            if (File.Exists(Path.Combine(directory.FullName, "Inknowing.DbResilience.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("eng/test-services was not found above " + AppContext.BaseDirectory + ": run the tests from the repository.");
    }
}
